import { type Catalog, MachineError } from '@vmlab/core';
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

/** Replays a log read from `file`; a logged machine that cannot be built is InputError. */
export async function replayLogFile(log: RunLog, file: string, catalog: Catalog, opts: ReplayOptions = {}): Promise<ReplayResult> {
  try {
    return await replayLog(log, catalog, opts);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(`${file}: the logged machine cannot be built: ${e.message}`);
    throw e;
  }
}
