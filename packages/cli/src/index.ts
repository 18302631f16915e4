/** @vmlab/cli: the `vmlab` command, a thin front over @vmlab/lab (one function per command). */
export { compareCommand } from './commands/compare.ts';
export { demoCommand } from './commands/demo.ts';
export { exploreCommand } from './commands/explore.ts';
export { fuzzCommand } from './commands/fuzz.ts';
export { machinesCommand, policiesCommand } from './commands/info.ts';
export { mergeCommand } from './commands/merge.ts';
export { newPluginCommand } from './commands/newPlugin.ts';
export { replayCommand } from './commands/replay.ts';
export { runCommand } from './commands/run.ts';
export { type CliIo, VERSION, runCli } from './cli.ts';
export { serveFile, viewCommand } from './commands/view.ts';
