/**
 * `explore` over a scenario file: the schedules of its `concurrent` steps on each of its
 * machines, stopping at the first violation, which is then verified by a plain run with the
 * violating schedule written into the scenario (that run's log is the counterexample).
 */
import { yieldToEvents } from '../io/interrupt.ts';
import { type Catalog, didYouMean } from '@vmlab/core';
import type { ExploreSpec, Scenario } from '../scenario/ast.ts';
import { InputError } from '../scenario/InputError.ts';
import type { NamedMachine } from '../scenario/loadScenario.ts';
import { composeNamed, runOnMachine } from '../runner/runOnMachine.ts';
import { machineInvariants } from '../replay/replay.ts';
import { snapshotRunOnce } from './snapshotRun.ts';
import { type ExploreResult, type Strategy, explore, firstProblem, withSchedules } from './explore.ts';

export interface ExploreScenarioOptions {
  strategy: Strategy;
  bound: number;
  seed: number;
  runs: number;
  /** dfs: the reduction of equivalent prefixes (default on). */
  reduction?: boolean;
  /** dfs with the reduction: sleep sets (default on; dfs.ts). */
  sleepSets?: boolean;
  /** Resume each schedule from a snapshot of the machine before its `concurrent` step (default on; snapshotRun.ts). */
  snapshots?: boolean;
  /** This run's part of a campaign (default 0 of 1). */
  shard?: { index: number; count: number };
  /** Where the violating run's log goes, for a machine. */
  logFor: (machine: string) => string;
  /** Stop each machine's search after this many seconds. */
  seconds?: number;
  /** Refuse a search estimated above `limitSeconds` unless `accept` (ExploreOptions.budget). */
  budget?: { limitSeconds: number; accept: boolean };
  /** Called after each schedule with the machine and the number run so far. */
  onProgress?: (machine: string, schedules: number) => void;
  /**
   * Asked between schedules (Ctrl-C): true stops the search there (the result is cut short,
   * timedOut) and skips the machines not yet explored. Each run first lets the event loop turn.
   */
  stop?: () => boolean;
}

/** What exploring one machine gave. */
export interface MachineOutcome {
  machine: string;
  result: ExploreResult;
  /** With a violation: whether `run` with its schedule reports the same invariant. */
  verified?: boolean;
  verifiedAs?: string;
  log?: string;
}

export interface ExploreScenarioResult {
  outcomes: MachineOutcome[];
  expected: ExploreSpec;
  /** The result is what the file's `explore:` expects (clean without it). */
  ok: boolean;
}

/** Every invariant the violating schedule broke at the point it stopped (the first one first). */
export function violated(r: ExploreResult): string[] {
  const v = r.violation;
  if (v === undefined) return [];
  return [...new Set([v.invariant, ...v.report.violations.map((x) => x.invariant)])];
}

/** Problems explore reports besides invariants (firstProblem). */
const OTHER_PROBLEMS = ['expectation', 'deadlock', 'error'];

/** `explore: { invariant: NAME }` must name an invariant some machine checks, or it could never be met. */
async function checkInvariantName(s: Scenario, name: string, machines: NamedMachine[], catalog: Catalog): Promise<void> {
  const known = new Set(OTHER_PROBLEMS);
  for (const m of machines) for (const i of machineInvariants(await composeNamed(s, m, catalog)).all()) known.add(i.name);
  if (known.has(name)) return;
  const p = s.explore?.invariantPos;
  const at = p !== undefined ? `${p.file}:${p.line}:${p.col}: ` : '';
  throw new InputError(
    `${at}explore expects invariant '${name}', which no machine of this run checks${didYouMean(name, known)}; known: ${[...known].join(', ')}`,
  );
}

/** Explores the scenario on each machine in turn, stopping at the first machine with a violation. */
export async function exploreScenario(s: Scenario, machines: NamedMachine[], catalog: Catalog, o: ExploreScenarioOptions): Promise<ExploreScenarioResult> {
  const expected = s.explore ?? { expect: 'clean' as const };
  if (expected.invariant !== undefined) await checkInvariantName(s, expected.invariant, machines, catalog);
  const outcomes: MachineOutcome[] = [];
  for (const m of machines) {
    if (o.stop?.() === true) break;
    const stop = o.stop;
    const runOnce = snapshotRunOnce(s, m, catalog);
    const result = await explore(
      stop === undefined
        ? runOnce
        : async (hooks) => {
            // Let a pending SIGINT be handled between schedules.
            await yieldToEvents();
            return runOnce(hooks);
          },
      {
        strategy: o.strategy,
        bound: o.bound,
        seed: o.seed,
        runs: o.runs,
        ...(o.reduction !== undefined ? { reduction: o.reduction } : {}),
        ...(o.sleepSets !== undefined ? { sleepSets: o.sleepSets } : {}),
        ...(o.snapshots !== undefined ? { snapshots: o.snapshots } : {}),
        ...(o.shard !== undefined ? { shard: o.shard } : {}),
        onProgress: (n) => o.onProgress?.(m.name, n),
        ...(o.seconds !== undefined ? { seconds: o.seconds } : {}),
        ...(stop !== undefined ? { stop } : {}),
        ...(o.budget !== undefined ? { budget: o.budget } : {}),
      },
    );
    const out: MachineOutcome = { machine: m.name, result };
    const v = result.violation;
    if (v !== undefined) {
      const log = o.logFor(m.name);
      const again = await runOnMachine(withSchedules(s, v.schedules), m, catalog, { check: true, log, seed: o.seed });
      const p = firstProblem(again);
      out.verified = p !== undefined && p.invariant === v.invariant;
      if (p !== undefined) out.verifiedAs = p.invariant;
      out.log = log;
    }
    outcomes.push(out);
    if (v !== undefined) break;
  }
  const found = outcomes.find((x) => x.result.violation !== undefined);
  const ok =
    expected.expect === 'clean'
      ? found === undefined
      : found !== undefined && (expected.invariant === undefined || violated(found.result).includes(expected.invariant));
  return { outcomes, expected, ok };
}
