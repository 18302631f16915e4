import { type Catalog, MachineError } from '@vmlab/core';
import { InputError } from '../scenario/InputError.ts';
import { readText } from '../scenario/loadScenario.ts';
import { LogError, type RunLog, parseLog } from './log.ts';
import { type ReplayOptions, type ReplayResult, replayLog } from './replay.ts';

/** Reads and parses a run log file; a malformed log is InputError. */
export function loadLog(file: string): RunLog {
  try {
    return parseLog(readText(file), file);
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
