import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  EXIT,
  InputError,
  catchInterrupt,
  startProgress,
  bigintJson,
  STRATEGIES,
  type ShardDoc,
  type Strategy,
  checkOutput,
  intFlag,
  secondsFlag,
  seedFlag,
  uniqueOutput,
  defaultCatalog,
  exploreScenario,
  lanesOfLog,
  loadLog,
  loadScenario,
  mergeResults,
  scenarioMachines,
  violated,
} from '@vmlab/lab';
import { printMerged } from './merge.ts';

export interface ExploreFlags {
  bound?: string;
  strategy?: string;
  seed?: string;
  runs?: string;
  machine?: string;
  log?: string;
  json?: boolean;
  /** false with --no-reduction. */
  reduction?: boolean;
  /** `I/N`. */
  shard?: string;
  /** Run the campaign as this many shards on worker threads (true: one per core). */
  workers?: string | boolean;
  time?: string;
  acceptEstimate?: boolean;
}

/** Runs the shards of the campaign on `n` worker threads and merges their documents. */
async function onWorkers(file: string, flags: ExploreFlags, n: number, print: (s: string) => void): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const url = new URL(`./exploreWorker${extname(self)}`, import.meta.url);
  const docs = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const { workers: _w, ...rest } = flags;
      const log =
        flags.log !== undefined ? flags.log.replace(/(\.jsonl)?$/, `.shard${i}.jsonl`) : join(tmpdir(), `vmlab-explore-${fileStem(file)}-shard${i}.jsonl`);
      const shardFlags: ExploreFlags = { ...rest, shard: `${i}/${n}`, json: true, log };
      return new Promise<ShardDoc>((res, rej) => {
        // From sources (tsx), the worker registers tsx's loader before importing the .ts module.
        const w =
          extname(self) === '.ts'
            ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`, {
                eval: true,
                workerData: { file, flags: shardFlags },
              })
            : new Worker(url, { workerData: { file, flags: shardFlags } });
        w.once('message', (m: { code?: number; out?: string; error?: string; input?: boolean }) => {
          void w.terminate();
          if (m.error !== undefined) rej(m.input === true ? new InputError(m.error) : new Error(m.error));
          else res(JSON.parse(m.out!) as ShardDoc);
        });
        w.once('error', rej);
      });
    }),
  );
  return printMerged(
    mergeResults(
      docs,
      docs.map((_, i) => `shard ${i}/${n}`),
    ),
    flags.json === true,
    print,
  );
}

/** A scenario file's name for its outputs; a race pair's legacy.yaml or fixed.yaml is named with its folder. */
function fileStem(file: string): string {
  const stem = basename(file).replace(/\.(ya?ml|json)$/, '');
  return stem === 'legacy' || stem === 'fixed' ? `${basename(dirname(file))}-${stem}` : stem;
}

/** `--shard I/N`: shard I (0 to N-1) of N. */
export function shardFlag(v: string | undefined): { index: number; count: number } {
  if (v === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (m === null || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new InputError(`--shard ${v}: give I/N with 0 <= I < N (e.g. 0/4)`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The most preemptions (dfs) or change points (pct) a search may take. */
const MAX_BOUND = 64;

/** A search estimated to take longer than this is refused without --accept-estimate (or --time). */
const ESTIMATE_LIMIT_SECONDS = 600;

/**
 * `vmlab explore FILE`: explores the schedules of the scenario's `concurrent` steps. Exit 0
 * when the result is what the file's `explore:` expects (clean without it), 1 otherwise.
 */
export async function exploreCommand(file: string, flags: ExploreFlags, print: (s: string) => void): Promise<number> {
  if (flags.workers !== undefined && flags.workers !== false) {
    if (flags.shard !== undefined) throw new InputError('--workers and --shard: give one (workers run every shard of the campaign)');
    const n = flags.workers === true ? availableParallelism() : intFlag('workers', flags.workers, 1, 1);
    if (n > 1) return onWorkers(file, flags, n, print);
  }
  const strategy = (flags.strategy ?? 'dfs') as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new InputError(`--strategy ${flags.strategy}: one of ${STRATEGIES.join(', ')}`);
  const bound = intFlag('bound', flags.bound, 2, 0, MAX_BOUND);
  const seed = seedFlag(flags.seed);
  const seconds = secondsFlag('time', flags.time);
  const runs = intFlag('runs', flags.runs, strategy === 'dfs' ? 100000 : 1000, 1);
  const reduction = flags.reduction !== false;
  const shard = shardFlag(flags.shard);
  const catalog = defaultCatalog();
  if (flags.log !== undefined) checkOutput('--log', flags.log, [file]);
  const s = loadScenario(file);
  const machines = scenarioMachines(s, catalog, flags.machine !== undefined ? [flags.machine] : undefined);
  const json = flags.json === true;
  const interrupt = catchInterrupt();
  // dfs: --runs is a cap, so the bar's total is the most it may run
  const bar = await startProgress({ title: `explore ${basename(file)}`, total: runs, unit: 'schedules', json });
  // A violation's log: --log (one per machine when there are several), else a new file in the current folder.
  const logFor = (machine: string): string =>
    flags.log !== undefined
      ? machines.length > 1
        ? flags.log.replace(/(\.jsonl)?$/, `.${machine}.jsonl`)
        : flags.log
      : uniqueOutput(`explore-${fileStem(file)}-${machine}`, 'jsonl');
  const { outcomes, expected, ok } = await exploreScenario(s, machines, catalog, {
    strategy,
    bound,
    seed,
    runs,
    reduction,
    shard,
    logFor,
    ...(seconds !== undefined ? { seconds } : {}),
    budget: { limitSeconds: ESTIMATE_LIMIT_SECONDS, accept: flags.acceptEstimate === true },
    stop: () => interrupt.requested,
    onProgress: (machine, n) => bar.update(n, `explore ${basename(file)} on ${machine}`),
  }).finally(() => {
    bar.stop();
    interrupt.dispose();
  });
  const interrupted = interrupt.requested && (outcomes.length < machines.length || outcomes.some((o) => o.result.timedOut === true));
  const code = interrupted ? EXIT.interrupted : ok ? 0 : 1;
  // A stopped search starts over when run again: the same command, or a part of it (--shard, --time).
  const again = `vmlab explore ${file} --strategy ${strategy} --bound ${bound} --seed ${seed} --runs ${runs}${reduction ? '' : ' --no-reduction'}${flags.machine !== undefined ? ` --machine ${flags.machine}` : ''}`;
  const notRun = machines.slice(outcomes.length).map((m) => m.name);
  if (json) {
    print(
      JSON.stringify(
        {
          scenario: s.name,
          file,
          strategy,
          bound,
          seed,
          reduction,
          shard: `${shard.index}/${shard.count}`,
          expected,
          ok,
          ...(interrupted ? { interrupted: true, notExplored: notRun, continueWith: again } : {}),
          machines: outcomes.map((o) => ({
            machine: o.machine,
            schedules: o.result.schedules,
            complete: o.result.complete,
            ...(o.result.timedOut === true ? { timedOut: true } : {}),
            maxPreemptions: o.result.maxPreemptions,
            maxPoints: o.result.maxPoints,
            stats: o.result.stats,
            ...(o.result.violation !== undefined
              ? {
                  violation: {
                    invariant: o.result.violation.invariant,
                    invariants: violated(o.result),
                    message: o.result.violation.message,
                    schedules: o.result.violation.schedules,
                    verified: o.verified,
                    log: o.log,
                  },
                }
              : {}),
          })),
        },
        bigintJson,
        2,
      ),
    );
    return code;
  }
  const out: string[] = [];
  const how =
    (strategy === 'dfs'
      ? `dfs, preemption bound ${bound}${reduction ? '' : ', no reduction'}`
      : strategy === 'pct'
        ? `pct, ${bound} change points, seed ${seed}, ${runs} runs`
        : strategy === 'delay'
          ? `delay-bounded random, ${bound} delays, seed ${seed}, ${runs} runs`
          : `random, seed ${seed}, ${runs} runs`) + (shard.count > 1 ? `, shard ${shard.index}/${shard.count}` : '');
  out.push(`explore ${file}: ${s.name} (${how})`);
  for (const o of outcomes) {
    const r = o.result;
    const v = r.violation;
    const st = r.stats;
    const bySleep = (st.pruned.sleep ?? 0) > 0 ? `, ${st.pruned.sleep} choices asleep (sleep sets)` : '';
    const byState = (st.pruned.state ?? 0) > 0 ? `, ${st.pruned.state} cut at a machine state already explored (${st.states} states cached)` : '';
    const resumed = st.snapshots !== undefined && st.snapshots.restored > 0 ? `, ${st.snapshots.restored} resumed from a snapshot` : '';
    const cost = `${st.runs} runs${resumed}, ${st.pruned.equivalent + st.pruned.cut} pruned as equivalent (${st.pruned.equivalent} before running, ${st.pruned.cut} cut short)${bySleep}${byState}, ${st.cached} prefix classes cached, ${st.ms} ms`;
    if (v === undefined) {
      const all =
        r.timedOut === true && interrupted
          ? 'interrupted (Ctrl-C): not every schedule'
          : r.timedOut === true
            ? `the --time budget of ${seconds} s ended the search: not every schedule`
            : strategy === 'dfs'
              ? r.complete
                ? `every schedule up to ${bound} preemption${bound === 1 ? '' : 's'}`
                : `cut short at --runs ${runs}: not every schedule`
              : 'sampled, not exhaustive';
      out.push(
        `  ${o.machine}: clean after ${r.schedules} schedule${r.schedules === 1 ? '' : 's'} (${all}; longest ${r.maxPoints} scheduling points)`,
        `    ${cost}`,
      );
      continue;
    }
    out.push(`  ${o.machine}: VIOLATION of ${v.invariant} on schedule ${r.schedules}: ${v.message}`, `    ${cost}`);
    for (const x of v.report.violations.slice(1)) out.push(`    also ${x.invariant}: ${x.message}`);
    for (const sc of v.schedules) out.push(`    concurrent step at line ${sc.line}:`, `      schedule: [${sc.schedule.join(', ')}]`);
    out.push(
      `    verified with run: ${o.verified === true ? `yes, run with this schedule reports ${o.verifiedAs}` : `NO (run reports ${o.verifiedAs ?? 'nothing'})`}`,
    );
    out.push(`    replayable log: ${o.log} (vmlab replay ${o.log}; vmlab view ${o.log})`);
    if (o.log !== undefined) for (const l of await lanesOfLog(loadLog(o.log), o.log, catalog)) out.push(`    ${l}`);
  }
  const want = expected.expect === 'clean' ? 'clean' : `a violation${expected.invariant !== undefined ? ` of ${expected.invariant}` : ''}`;
  for (const m of notRun) out.push(`  ${m}: not explored (interrupted)`);
  out.push(`  expected ${want}: ${interrupted ? 'not known (interrupted)' : ok ? 'as expected' : 'NOT as expected'}`);
  if (interrupted) {
    const done = outcomes.reduce((n, o) => n + o.result.schedules, 0);
    out.push(
      `  interrupted (Ctrl-C) after ${done} schedule${done === 1 ? '' : 's'} (seed ${seed}); a search starts over when run again: ${again} (or split it with --shard I/N, or bound it with --time)`,
    );
  }
  print(out.join('\n'));
  return code;
}
