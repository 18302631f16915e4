#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { machinesCommand, policiesCommand } from './commands/info.ts';
import { runCommand } from './commands/run.ts';
import { compareCommand } from './commands/compare.ts';
import { demoCommand } from './commands/demo.ts';
import { replayCommand } from './commands/replay.ts';
import { exploreCommand } from './commands/explore.ts';
import { fuzzCommand } from './commands/fuzz.ts';
import { newPluginCommand } from './commands/newPlugin.ts';
import { InputError } from '@vmlab/lab';

const print = (s: string) => process.stdout.write(`${s}\n`);
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs an action and turns its result into the exit code (2 for bad input). */
async function act(json: boolean, f: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await f();
  } catch (e) {
    if (e instanceof InputError) {
      if (json) print(JSON.stringify({ error: e.message, exitCode: 2 }));
      else process.stderr.write(`vmlab: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

const program = new Command();
program
  .name('vmlab')
  .description('A simulator of a BSD-style kernel virtual-memory system: compose a machine (pmap, pager, policies), run scenarios on it, compare machines.')
  .version(VERSION, '-V, --version', 'print the version')
  .showHelpAfterError('(vmlab COMMAND --help for usage)')
  // A command-line usage error is bad input: exit 2, as SCENARIO.md's exit codes say.
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command('run')
  .description('run a scenario; exit 0 if every expectation held, 1 if some failed, 2 for bad input')
  .argument('<file>', 'scenario file (YAML or JSON)')
  .option('--machine <m>', 'a preset name or machine file, overriding the scenario\'s')
  .option('--json', 'print one JSON document')
  .option('--log <file.jsonl>', 'write the command log and the domain event log as JSON lines')
  .addOption(new Option('--no-check', 'do not check invariants after every step (checked by default)'))
  .option('-v, --verbose', 'print every step, not only failures')
  .action((file: string, o: { machine?: string; json?: boolean; log?: string; check?: boolean; verbose?: boolean }) =>
    act(o.json === true, () => runCommand(file, o, print)),
  );

program
  .command('compare')
  .description('run the same steps on several machines; outcomes and counters side by side, differences marked; exit codes as run')
  .argument('<file>', 'scenario file (YAML or JSON)')
  .option('--machines <list>', "comma-separated presets or machine files, overriding the scenario's machines")
  .option('--json', 'print one JSON document')
  .option('--html <file>', 'also write a self-contained HTML report with SVG charts of the counters')
  .addOption(new Option('--no-check', 'do not check invariants after every step (checked by default)'))
  .action((file: string, o: { machines?: string; json?: boolean; html?: string; check?: boolean }) =>
    act(o.json === true, () => compareCommand(file, o, print)),
  );

program
  .command('replay')
  .description('rebuild a run from its log alone and verify the domain event log is byte-identical; exit 0 identical, 1 different, 2 bad log')
  .argument('<log>', 'a run log written by run --log (JSON lines)')
  .option('--until <n>', 'replay commands up to sequence number n and print the state after it')
  .option('--json', 'print one JSON document')
  .action((log: string, o: { until?: string; json?: boolean }) => act(o.json === true, () => replayCommand(log, o, print)));

program
  .command('explore')
  .description("explore the schedules of a scenario's concurrent steps; exit 0 when the result is what the file's explore: expects (clean without it), 1 otherwise, 2 bad input")
  .argument('<file>', 'scenario file (YAML or JSON)')
  .option('--bound <n>', 'dfs: preemption bound; pct: priority change points', '2')
  .option('--strategy <s>', 'dfs (bounded exhaustive), random or pct', 'dfs')
  .option('--seed <s>', 'seed of the random and pct strategies', '1')
  .option('--runs <n>', 'random/pct: schedules to run; dfs: a cap on schedules')
  .option('--machine <m>', "a preset name or machine file, overriding the scenario's")
  .option('--log <file.jsonl>', "where to write a violation's replayable log (default: the system's temporary folder)")
  .option('--json', 'print one JSON document')
  .action((file: string, o: { bound?: string; strategy?: string; seed?: string; runs?: string; machine?: string; log?: string; json?: boolean }) =>
    act(o.json === true, () => exploreCommand(file, o, print)),
  );

program
  .command('fuzz')
  .description('run random workloads with invariants and a shadow model of memory on; on a violation, shrink it to a minimal scenario file')
  .option('--machine <m>', 'a preset name or machine file', 'amd64')
  .option('--policy <key=value...>', 'policy values for the machine (repeatable)')
  .option('--seed <s>', 'seed', '1')
  .option('--ops <n>', 'operations to run in all', '10000')
  .option('--ops-per-run <n>', 'operations per run (each run starts from a fresh machine)', '200')
  .option('--schedules <n>', 'also run each run that has concurrent steps under n seeded random schedules', '0')
  .option('--time <seconds>', 'stop after this many seconds of wall time (the operations run are still determined by the seed)')
  .option('--out <file.yaml>', 'where to write the shrunk scenario of a violation', 'fuzz-violation.yaml')
  .option('--json', 'print one JSON document')
  .action((o: { machine: string; policy?: string[]; seed: string; ops: string; opsPerRun?: string; schedules?: string; time?: string; out: string; json?: boolean }) =>
    act(o.json === true, () => fuzzCommand(o, print)),
  );

program
  .command('policies')
  .description('list every policy key, its values and default')
  .option('--json', 'print one JSON document')
  .action((o: { json?: boolean }) => act(o.json === true, () => policiesCommand(o.json === true, print)));

program
  .command('machines')
  .description('list the machine presets, arches and plugins')
  .option('--json', 'print one JSON document')
  .action((o: { json?: boolean }) => act(o.json === true, () => machinesCommand(o.json === true, print)));

program
  .command('demo')
  .description('run the built-in demonstration on the default machines')
  .option('--json', 'print one JSON document')
  .action((o: { json?: boolean }) => act(o.json === true, () => demoCommand(o.json === true, print)));

program
  .command('new-plugin')
  .description('write a pmap plugin folder (index.ts, a conformance test, a machine file, README) that passes the conformance suite')
  .argument('<name>', 'the plugin and arch name')
  .option('--dir <dir>', 'where to create the folder NAME (default: the current folder)')
  .action((name: string, o: { dir?: string }) => act(false, () => newPluginCommand(name, o, print)));

await program.parseAsync(process.argv);
