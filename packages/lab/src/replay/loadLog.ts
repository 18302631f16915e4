import { type Catalog, MachineError, isPluginPath } from '@vmlab/core';
import { InputError } from '../scenario/InputError.ts';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LogError, type RunLog, parseLog } from './log.ts';
import { type ReplayOptions, type ReplayResult, replayLog } from './replay.ts';

/** The text of a run log, gunzipped when it is gzip (`--log run.jsonl.gz`). */
function readLogText(file: string): string {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (b.length < 2 || b[0] !== 0x1f || b[1] !== 0x8b) return b.toString('utf8');
  try {
    return gunzipSync(b).toString('utf8');
  } catch (e) {
    throw new InputError(`${file}: a gzip log that cannot be read (${(e as Error).message})`);
  }
}

/** Reads and parses a run log file (plain or gzip); a malformed log is InputError. */
export function loadLog(file: string): RunLog {
  try {
    return parseLog(readLogText(file), file);
  } catch (e) {
    if (e instanceof LogError) throw new InputError(e.message);
    throw e;
  }
}

/** The plugin files a log's machine names (its arch and plugins given as paths): code it would load. */
export function logPluginPaths(log: RunLog): string[] {
  const spec = log.config.spec;
  const plugins = Array.isArray(spec.plugins) ? spec.plugins.filter((p): p is string => typeof p === 'string') : [];
  return [spec.arch, ...plugins].filter((p) => isPluginPath(p));
}

/**
 * Replays a log read from `file`; a logged machine that cannot be built is InputError. A log
 * is data: one whose machine names plugin files is refused unless `allowPlugins` (the
 * command line's --allow-plugins, which prints the paths first).
 */
export async function replayLogFile(log: RunLog, file: string, catalog: Catalog, opts: ReplayOptions & { allowPlugins?: boolean } = {}): Promise<ReplayResult> {
  const code = logPluginPaths(log);
  if (code.length > 0 && opts.allowPlugins !== true) {
    throw new InputError(`${file}: the logged machine loads plugin code: ${code.join(', ')}; replay runs code named in a log only with --allow-plugins`);
  }
  const { allowPlugins: _a, ...replayOpts } = opts;
  opts = replayOpts;
  try {
    return await replayLog(log, catalog, opts);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(`${file}: the logged machine cannot be built: ${e.message}`);
    throw e;
  }
}
