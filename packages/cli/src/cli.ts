import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';

// @vmlab/lab (and through it the kernel model) and each command's module are imported when a
// command runs, so `vmlab --version` and `vmlab --help` load commander alone.
const lab = () => import('@vmlab/lab');
const commands = {
  run: () => import('./commands/run.ts'),
  compare: () => import('./commands/compare.ts'),
  demo: () => import('./commands/demo.ts'),
  replay: () => import('./commands/replay.ts'),
  explore: () => import('./commands/explore.ts'),
  matrix: () => import('./commands/matrix.ts'),
  merge: () => import('./commands/merge.ts'),
  fuzz: () => import('./commands/fuzz.ts'),
  info: () => import('./commands/info.ts'),
  newPlugin: () => import('./commands/newPlugin.ts'),
  trace: () => import('./commands/trace.ts'),
  view: () => import('./commands/view.ts'),
};

/** The package's version: its package.json is one folder up from src/ and dist/, two from dist/chunks/ (a bundle chunk). */
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pj = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pj.name === '@vmlab/cli' && typeof pj.version === 'string') return pj.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();

/** Where a command's output goes: one line (or block) at a time, without the newline. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const EXIT_HELP = `
Exit codes:
  0  every expectation held, no invariant broke (explore: as the file expects; replay: identical)
  1  an expectation failed or an invariant broke
  2  bad input: a scenario, machine, log or plugin file, or a command-line word (with its location)
  3  internal error in vmlab itself: not a verdict on the kernel; please report it
  130  fuzz or explore stopped by Ctrl-C, after printing what it found so far`;

/** The version of the --json contract (schema/output/): raised when a field is removed or renamed. */
export const JSON_SCHEMA_VERSION = 1;

/**
 * A --json document with the envelope every command's output has (schema/output/envelope.schema.json):
 * schemaVersion, the vmlab version, the command and, for a command that reads a file, the file
 * as given. Text that is not one JSON object is left as it is.
 */
function stampJson(s: string, command: string, file: string | undefined): string {
  let doc: unknown;
  try {
    doc = JSON.parse(s);
  } catch {
    return s;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return s;
  return JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, vmlab: VERSION, command, ...(file !== undefined ? { file } : {}), ...doc }, null, 2);
}

/** Thrown by an action to end the command with this code (its result is set in \`code\`). */
class Done {
  constructor(readonly code: number) {}
}

/**
 * Runs an action and turns its result into the exit code: 2 for bad input, 3 (with what to
 * report) for anything else thrown, which is a bug in vmlab, never 1.
 */
async function act(io: CliIo, json: boolean, f: (out: (s: string) => void) => Promise<number> | number, command?: string, file?: string): Promise<void> {
  const out = json && command !== undefined ? (s: string) => io.out(stampJson(s, command, file)) : io.out;
  try {
    throw new Done(await f(out));
  } catch (e) {
    if (e instanceof Done) throw e;
    const { EXIT, InputError, escapeControl } = await lab();
    if (e instanceof InputError) {
      const msg = escapeControl(e.message);
      if (json) out(JSON.stringify({ error: msg, exitCode: EXIT.input }));
      else io.err(`vmlab: ${msg}`);
      throw new Done(EXIT.input);
    }
    throw e;
  }
}

/** Builds the command line (a fresh program per call, so runCli can be called in-process). */
function program(io: CliIo, argv: readonly string[]): Command {
  const program = new Command();
  program
    .name('vmlab')
    .description('A simulator of a BSD-style kernel virtual-memory system: compose a machine (pmap, pager, policies), run scenarios on it, compare machines.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(vmlab COMMAND --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    // A command-line usage error is bad input: exit 2 (thrown to runCli, which returns the code).
    .exitOverride();

  program
    .command('run')
    .description('run a scenario; exit 0 if every expectation held, 1 if some failed, 2 for bad input')
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--machine <m>', "a preset name or machine file, overriding the scenario's")
    .option('--json', 'print one JSON document')
    .option('--log <file.jsonl>', 'write the command log and the domain event log as JSON lines')
    .addOption(new Option('--no-check', 'do not check invariants after every step (checked by default)'))
    .option('-v, --verbose', 'print every step, not only failures')
    .action((file: string, o: { machine?: string; json?: boolean; log?: string; check?: boolean; verbose?: boolean }) =>
      act(io, o.json === true, async (out) => (await commands.run()).runCommand(file, o, out), 'run', file),
    );

  program
    .command('compare')
    .description('run the same steps on several machines; outcomes and counters side by side, differences marked; exit codes as run')
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--machines <list>', "comma-separated presets or machine files, overriding the scenario's machines")
    .option('--json', 'print one JSON document')
    .option(
      '--html <file>',
      "also write a self-contained HTML report (differences first, SVG charts of the counters), and beside it each machine's run log (FILE.MACHINE.jsonl) and their viewer (FILE.view.html)",
    )
    .addOption(new Option('--no-check', 'do not check invariants after every step (checked by default)'))
    .action((file: string, o: { machines?: string; json?: boolean; html?: string; check?: boolean }) =>
      act(io, o.json === true, async (out) => (await commands.compare()).compareCommand(file, o, out), 'compare', file),
    );

  program
    .command('replay')
    .description('rebuild a run from its log alone and verify the domain event log is byte-identical; exit 0 identical, 1 different, 2 bad log')
    .argument('<log>', 'a run log written by run --log (JSON lines)')
    .option('--until <n>', 'replay commands up to sequence number n and print the state after it')
    .option('--allow-plugins', 'load the plugin files the logged machine names (a log is data: refused without this; the paths are printed first)')
    .option('--json', 'print one JSON document')
    .action((log: string, o: { until?: string; json?: boolean; allowPlugins?: boolean }) =>
      act(io, o.json === true, async (out) => (await commands.replay()).replayCommand(log, o, out), 'replay', log),
    );

  program
    .command('view')
    .description(
      'write a self-contained HTML viewer of run logs (address spaces, shadow chains, pages, MD tables, races as lanes, the timeline) at every command; prints its path',
    )
    .argument('<log...>', 'run logs (run --log, an explore counterexample, a fuzz case run with --log; several for a compare, one per machine)')
    .option('-o, --output <file.html>', 'where to write it (default: beside the first log, named after it)')
    .option('--open', 'open it in the desktop browser')
    .option('--serve', 'serve it on 127.0.0.1 at a free port (only this file) until interrupted')
    .action((logs: string[], o: { output?: string; open?: boolean; serve?: boolean }) =>
      act(io, false, async () => (await commands.view()).viewCommand(logs, o, io.out)),
    );

  program
    .command('explore')
    .description(
      "explore the schedules of a scenario's concurrent steps; exit 0 when the result is what the file's explore: expects (clean without it), 1 otherwise, 2 bad input",
    )
    .argument('[file]', 'scenario file (YAML or JSON)')
    .option('--bound <n>', 'dfs: preemption bound; pct: priority change points (depth - 1); delay: delays', '2')
    .option('--strategy <s>', 'dfs (bounded exhaustive), random, pct or delay (delay-bounded random)', 'dfs')
    .option('--seed <s>', 'seed of the random, pct and delay strategies (0 to 4294967295)', '1')
    .option('--runs <n>', 'random/pct/delay: schedules to run; dfs: a cap on schedules')
    .option('--no-reduction', 'dfs: run every schedule up to the bound (no pruning of equivalent prefixes)')
    .option('--shard <i/n>', 'run shard i (0 to n-1) of a campaign split n ways (merge the results with vmlab merge)')
    .option('--workers [n]', 'run the campaign as n shards on worker threads, one merged report (n defaults to the cores)')
    .option('--matrix [dir]', 'the race benchmark: every NAME/{legacy,fixed}.yaml of dir (default examples/races) under each strategy, as a table')
    .option('--machine <m>', "a preset name or machine file, overriding the scenario's")
    .option('--log <file.jsonl>', "where to write a violation's replayable log (default: a new explore-SCENARIO-MACHINE.jsonl in the current folder)")
    .option('--time <seconds>', 'stop the search on each machine after this many seconds (the result says it was cut short)')
    .option('--accept-estimate', 'run a search estimated to take more than 10 minutes (refused otherwise, with the estimate)')
    .option('--json', 'print one JSON document')
    .action(
      (
        file: string | undefined,
        o: {
          bound?: string;
          strategy?: string;
          seed?: string;
          runs?: string;
          reduction?: boolean;
          shard?: string;
          workers?: string | boolean;
          matrix?: string | boolean;
          machine?: string;
          log?: string;
          json?: boolean;
          time?: string;
          acceptEstimate?: boolean;
        },
      ) =>
        act(
          io,
          o.json === true,
          async (out) => {
            if (o.matrix !== undefined && o.matrix !== false)
              return (await commands.matrix()).matrixCommand(typeof o.matrix === 'string' ? o.matrix : (file ?? 'examples/races'), o, out);
            if (file === undefined) throw new (await lab()).InputError('explore: give a scenario file (or --matrix)');
            return (await commands.explore()).exploreCommand(file, o, out);
          },
          'explore',
          file,
        ),
    );

  program
    .command('merge')
    .description(
      'combine the --json results of a sharded explore or fuzz campaign (one file per shard) into one; exit as the unsharded command would, 2 bad input',
    )
    .argument('<results...>', "the shards' JSON result files")
    .option('--json', 'print one JSON document')
    .action((files: string[], o: { json?: boolean }) => act(io, o.json === true, async () => (await commands.merge()).mergeCommand(files, o, io.out)));

  program
    .command('fuzz')
    .description('run random workloads with invariants and a shadow model of memory on; on a violation, shrink it to a minimal scenario file')
    .option('--machine <m>', 'a preset name or machine file', 'amd64')
    .option('--policy <key=value...>', 'policy values for the machine (repeatable)')
    .option('--seed <s>', 'seed (0 to 4294967295)', '1')
    .option('--ops <n>', 'operations to run in all', '10000')
    .option('--ops-per-run <n>', 'operations per run (each run starts from a fresh machine)', '200')
    .option('--schedules <n>', 'also run each run that has concurrent steps under n seeded random schedules', '0')
    .option('--time <seconds>', 'stop after this many seconds of wall time (the operations run are still determined by the seed)')
    .option('--out <file.yaml>', 'where to write the shrunk scenario of a violation (default: a new fuzz-MACHINE-seedS.yaml in the current folder)')
    .option('--shard <i/n>', 'run shard i (0 to n-1) of the campaign split n ways: the runs numbered i, i+n, ... (merge the results with vmlab merge)')
    .option('--from-run <n>', 'skip the runs before run n (0-based): continue a campaign stopped by Ctrl-C, which prints the command')
    .option('--json', 'print one JSON document')
    .action(
      (o: {
        fromRun?: string;
        machine: string;
        policy?: string[];
        seed: string;
        ops: string;
        opsPerRun?: string;
        schedules?: string;
        time?: string;
        out?: string;
        shard?: string;
        json?: boolean;
      }) => act(io, o.json === true, async (out) => (await commands.fuzz()).fuzzCommand(o, out), 'fuzz'),
    );

  program
    .command('trace')
    .description(
      'run traces of real programs (strace -f, valgrind lackey; gzip accepted) or a generated workload on machines and print their figures side by side; exit 0, or 2 for bad input',
    )
    .argument('[files...]', 'trace files: one strace output, or the lackey logs of one run (one per process)')
    .option('--machine <m>', 'a preset name or machine file (default amd64)')
    .option('--machines <list>', 'comma-separated presets or machine files, side by side')
    .option('--generate <name>', 'run a workload generator instead of trace files (--list-generators)')
    .option('--param <key=value...>', 'a generator parameter (repeatable)')
    .option('--list-generators', 'list the generators and their parameters')
    .option('--json', 'print one JSON document')
    .option('--log <out.jsonl>', 'write each operation and what it became on the machine as JSON lines (OUT.<machine>.jsonl for several machines)')
    .action(
      (
        files: string[],
        o: { machine?: string; machines?: string; generate?: string; param?: string[]; listGenerators?: boolean; json?: boolean; log?: string },
      ) => act(io, o.json === true, async (out) => (await commands.trace()).traceCommand(files, o, out), 'trace'),
    );

  program
    .command('policies')
    .description('list every policy key, its values and default')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => act(io, o.json === true, async (out) => (await commands.info()).policiesCommand(o.json === true, out), 'policies'));

  program
    .command('machines')
    .description('list the machine presets, arches and plugins')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => act(io, o.json === true, async (out) => (await commands.info()).machinesCommand(o.json === true, out), 'machines'));

  program
    .command('demo')
    .description('run the built-in demonstration on the default machines')
    .option('--json', 'print one JSON document')
    .action((o: { json?: boolean }) => act(io, o.json === true, async (out) => (await commands.demo()).demoCommand(o.json === true, out), 'demo'));

  program
    .command('new-plugin')
    .description('write a pmap plugin folder (index.ts, a conformance test, a machine file, README) that passes the conformance suite')
    .argument('<name>', 'the plugin and arch name')
    .option('--dir <dir>', 'where to create the folder NAME (default: the current folder)')
    .action((name: string, o: { dir?: string }) => act(io, false, async (out) => (await commands.newPlugin()).newPluginCommand(name, o, out), 'new-plugin'));

  for (const c of program.commands) {
    c.exitOverride().configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  }
  void argv;
  return program;
}

/**
 * Runs \`vmlab ARGS...\` and returns its exit code (EXIT in @vmlab/lab). Never throws: a usage
 * error is 2, an internal error 3 with a report of what to send.
 */
export async function runCli(args: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    await program(io, args).parseAsync([...args], { from: 'user' });
    return (await lab()).EXIT.ok;
  } catch (e) {
    if (e instanceof Done) return e.code;
    // --help and --version end here with exit code 0, before anything else is loaded.
    if (e instanceof CommanderError && e.exitCode === 0) return e.exitCode;
    const { EXIT, internalErrorText } = await lab();
    if (e instanceof CommanderError) return EXIT.input;
    io.err(internalErrorText(e, VERSION, args));
    return EXIT.internal;
  }
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
};
