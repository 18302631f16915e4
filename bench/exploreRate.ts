/**
 * The explorer's throughput on the seed races for `pnpm bench`: each fixed example explored
 * exhaustively (dfs, bound 2, no reduction) in-process, repeated until `minSeconds` have
 * passed, with machine snapshots (the default: the first schedule composes the machine and
 * the others resume from the snapshot before the `concurrent` step) and without (every
 * schedule composes a machine and re-runs the steps before the `concurrent` step).
 * Schedules per second over whole searches both ways, and of the resumed schedules alone
 * (the machine model: restore, the concurrent step, the invariant checks and what follows).
 *
 * Seconds are CPU seconds of this process (user and system, process.cpuUsage): on a shared
 * machine wall time measures the other processes as much as this one, CPU time what one core
 * spends on the search.
 */
import { resolve } from 'node:path';
import { type RunOnce, defaultCatalog, explore, exploreScenario, loadScenario, scenarioMachines, snapshotRunOnce } from '@vmlab/lab';

/** CPU milliseconds (user and system) of this process so far. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface ExploreRate {
  race: string;
  schedules: number;
  seconds: number;
  /** Schedules per second over whole searches, with snapshots. */
  perSecond: number;
  /** The same without snapshots (a fresh machine per schedule). */
  perSecondFresh: number;
  /** Schedules per second of the runs resumed from a snapshot. */
  perSecondResumed: number;
  /** Of the resumed runs' time, the share spent restoring the snapshot (to the first scheduling point). */
  restoreShare: number;
  /** The snapshot's size: objects and bytes of typed arrays. */
  objects: number;
  bytes: number;
}

export const SEED_RACES = ['races/d15293-swap-split/fixed.yaml', 'races/revoke-walk/fixed.yaml', 'races/exit-peek/fixed.yaml'];

export async function exploreRates(examples: string, minSeconds: number): Promise<ExploreRate[]> {
  const catalog = defaultCatalog();
  const out: ExploreRate[] = [];
  const o = { strategy: 'dfs', bound: 2, seed: 1, runs: 100000, reduction: false } as const;
  for (const race of SEED_RACES) {
    const s = loadScenario(resolve(examples, race));
    const machines = scenarioMachines(s, catalog, undefined);
    const whole = async (snapshots: boolean): Promise<{ schedules: number; ms: number }> => {
      let schedules = 0;
      const t0 = cpuMs();
      do {
        const r = await exploreScenario(s, machines, catalog, { ...o, snapshots, logFor: () => '/dev/null' });
        for (const m of r.outcomes) schedules += m.result.schedules;
      } while (cpuMs() - t0 < minSeconds * 500);
      return { schedules, ms: cpuMs() - t0 };
    };
    const withSnap = await whole(true);
    const fresh = await whole(false);
    // The resumed runs alone, timed one by one.
    let resumed = 0;
    let resumedMs = 0;
    let restoreMs = 0;
    let objects = 0;
    let bytes = 0;
    const t0 = cpuMs();
    do {
      for (const m of machines) {
        const base = snapshotRunOnce(s, m, catalog);
        const timed: RunOnce = async (hooks) => {
          if (hooks.from === undefined) return base(hooks);
          objects = hooks.from.objects;
          bytes = hooks.from.bytes;
          const a = cpuMs();
          let first = -1;
          const r = await base({
            ...hooks,
            chooser: (rs, p, sch) => {
              if (first < 0) first = cpuMs();
              return hooks.chooser(rs, p, sch);
            },
          });
          const b = cpuMs();
          resumed++;
          resumedMs += b - a;
          restoreMs += (first < 0 ? b : first) - a;
          return r;
        };
        await explore(timed, o);
      }
    } while (cpuMs() - t0 < minSeconds * 500);
    out.push({
      race,
      schedules: withSnap.schedules,
      seconds: withSnap.ms / 1000,
      perSecond: withSnap.schedules / (withSnap.ms / 1000),
      perSecondFresh: fresh.schedules / (fresh.ms / 1000),
      perSecondResumed: resumed / (resumedMs / 1000),
      restoreShare: restoreMs / resumedMs,
      objects,
      bytes,
    });
  }
  return out;
}

export interface ReductionFigures {
  race: string;
  /** Bound-2 dfs schedules and CPU milliseconds: unreduced, with the class cache alone, with the cache and sleep sets. */
  unreduced: { schedules: number; ms: number };
  cache: { schedules: number; ms: number };
  sleep: { schedules: number; ms: number };
}

/** The three-thread seed race (a bystander process beside the D15293 pair) explored by bound-2 dfs three ways. */
export async function reductionFigures(examples: string): Promise<ReductionFigures> {
  const catalog = defaultCatalog();
  const race = 'races/d15293-swap-split-bystander/fixed.yaml';
  const s = loadScenario(resolve(examples, race));
  const machines = scenarioMachines(s, catalog, undefined);
  const way = async (reduction: boolean, sleepSets: boolean): Promise<{ schedules: number; ms: number }> => {
    const t0 = cpuMs();
    const r = await exploreScenario(s, machines, catalog, {
      strategy: 'dfs',
      bound: 2,
      seed: 1,
      runs: 100000,
      reduction,
      sleepSets,
      logFor: () => '/dev/null',
    });
    return { schedules: r.outcomes.reduce((a, m) => a + m.result.schedules, 0), ms: cpuMs() - t0 };
  };
  await way(true, true); // warm up
  return { race, unreduced: await way(false, false), cache: await way(true, false), sleep: await way(true, true) };
}
