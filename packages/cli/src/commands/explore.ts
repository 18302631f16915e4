import { basename } from 'node:path';
import { InputError, type Strategy, checkOutput, intFlag, secondsFlag, seedFlag, uniqueOutput, defaultCatalog, exploreScenario, lanesOfLog, loadLog, loadScenario, scenarioMachines, violated } from '@vmlab/lab';

export interface ExploreFlags {
  bound?: string;
  strategy?: string;
  seed?: string;
  runs?: string;
  machine?: string;
  log?: string;
  json?: boolean;
  time?: string;
  acceptEstimate?: boolean;
}

const STRATEGIES: Strategy[] = ['dfs', 'random', 'pct'];

/** The most preemptions (dfs) or change points (pct) a search may take. */
const MAX_BOUND = 64;

/** A search estimated to take longer than this is refused without --accept-estimate (or --time). */
const ESTIMATE_LIMIT_SECONDS = 600;

/** A progress line on a terminal's stderr only (none with --json, CI=true or a pipe). */
export function progress(json: boolean): { tick: (label: string) => void; done: () => void } {
  const on = !json && process.stderr.isTTY === true && process.env.CI !== 'true';
  let shown = false;
  return {
    tick: (label) => {
      if (!on) return;
      shown = true;
      process.stderr.write(`\r\x1b[K${label}`);
    },
    done: () => {
      if (on && shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * `vmlab explore FILE`: explores the schedules of the scenario's `concurrent` steps. Exit 0
 * when the result is what the file's `explore:` expects (clean without it), 1 otherwise.
 */
export async function exploreCommand(file: string, flags: ExploreFlags, print: (s: string) => void): Promise<number> {
  const strategy = (flags.strategy ?? 'dfs') as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new InputError(`--strategy ${flags.strategy}: one of ${STRATEGIES.join(', ')}`);
  const bound = intFlag('bound', flags.bound, 2, 0, MAX_BOUND);
  const seed = seedFlag(flags.seed);
  const seconds = secondsFlag('time', flags.time);
  const runs = intFlag('runs', flags.runs, strategy === 'dfs' ? 100000 : 1000, 1);
  const catalog = defaultCatalog();
  if (flags.log !== undefined) checkOutput('--log', flags.log, [file]);
  const s = loadScenario(file);
  const machines = scenarioMachines(s, catalog, flags.machine !== undefined ? [flags.machine] : undefined);
  const json = flags.json === true;
  const bar = progress(json);
  // A violation's log: --log (one per machine when there are several), else a new file in the current folder.
  const logFor = (machine: string): string =>
    flags.log !== undefined
      ? machines.length > 1
        ? flags.log.replace(/(\.jsonl)?$/, `.${machine}.jsonl`)
        : flags.log
      : uniqueOutput(`explore-${basename(file).replace(/\.(ya?ml|json)$/, '')}-${machine}`, 'jsonl');
  const { outcomes, expected, ok } = await exploreScenario(s, machines, catalog, {
    strategy,
    bound,
    seed,
    runs,
    logFor,
    ...(seconds !== undefined ? { seconds } : {}),
    budget: { limitSeconds: ESTIMATE_LIMIT_SECONDS, accept: flags.acceptEstimate === true },
    onProgress: (machine, n) => (n % 10 === 0 ? bar.tick(`explore ${basename(file)} on ${machine}: ${n} schedules`) : undefined),
  });
  bar.done();
  if (json) {
    print(
      JSON.stringify(
        {
          scenario: s.name,
          file,
          strategy,
          bound,
          seed,
          expected,
          ok,
          machines: outcomes.map((o) => ({
            machine: o.machine,
            schedules: o.result.schedules,
            complete: o.result.complete,
            ...(o.result.timedOut === true ? { timedOut: true } : {}),
            maxPreemptions: o.result.maxPreemptions,
            maxPoints: o.result.maxPoints,
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
        null,
        2,
      ),
    );
    return ok ? 0 : 1;
  }
  const out: string[] = [];
  const how = strategy === 'dfs' ? `dfs, preemption bound ${bound}` : strategy === 'pct' ? `pct, ${bound} change points, seed ${seed}, ${runs} runs` : `random, seed ${seed}, ${runs} runs`;
  out.push(`explore ${file}: ${s.name} (${how})`);
  for (const o of outcomes) {
    const r = o.result;
    const v = r.violation;
    if (v === undefined) {
      const all = r.timedOut === true ? `stopped at --time ${seconds} s: not every schedule` : strategy === 'dfs' ? (r.complete ? `every schedule up to ${bound} preemption${bound === 1 ? '' : 's'}` : `cut short at --runs ${runs}: not every schedule`) : 'sampled, not exhaustive';
      out.push(`  ${o.machine}: clean after ${r.schedules} schedule${r.schedules === 1 ? '' : 's'} (${all}; longest ${r.maxPoints} scheduling points)`);
      continue;
    }
    out.push(`  ${o.machine}: VIOLATION of ${v.invariant} on schedule ${r.schedules}: ${v.message}`);
    for (const x of v.report.violations.slice(1)) out.push(`    also ${x.invariant}: ${x.message}`);
    for (const sc of v.schedules) out.push(`    concurrent step at line ${sc.line}:`, `      schedule: [${sc.schedule.join(', ')}]`);
    out.push(`    verified with run: ${o.verified === true ? `yes, run with this schedule reports ${o.verifiedAs}` : `NO (run reports ${o.verifiedAs ?? 'nothing'})`}`);
    out.push(`    replayable log: ${o.log} (vmlab replay ${o.log}; vmlab view ${o.log})`);
    if (o.log !== undefined) for (const l of await lanesOfLog(loadLog(o.log), o.log, catalog)) out.push(`    ${l}`);
  }
  const want = expected.expect === 'clean' ? 'clean' : `a violation${expected.invariant !== undefined ? ` of ${expected.invariant}` : ''}`;
  out.push(`  expected ${want}: ${ok ? 'as expected' : 'NOT as expected'}`);
  print(out.join('\n'));
  return ok ? 0 : 1;
}
