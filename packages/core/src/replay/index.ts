/** Event sourcing: the run log (command log + domain event log) and its replay. */
export { LOG_VERSION, LogError, LogWriter, parseLog, plainSpec } from './log.ts';
export type { LogCommand, LogConfig, LogEnd, LogSched, RunLog } from './log.ts';
export { hashEventLines, machineInvariants, machineState, replayLog, scenarioOfLog } from './replay.ts';
export type { ReplayOptions, ReplayResult } from './replay.ts';
