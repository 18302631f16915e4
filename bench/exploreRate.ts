/**
 * The explorer's throughput on the seed races for `pnpm bench`: each fixed example explored
 * exhaustively (dfs, bound 2, no reduction) in-process, repeated until `minSeconds` have
 * passed, with machine snapshots (the default: the first schedule composes the machine and
 * the others resume from the snapshot before the `concurrent` step) and without (every
 * schedule composes a machine and re-runs the steps before the `concurrent` step).
 * Schedules per second over whole searches both ways, and of the resumed schedules alone
 * (the machine model: restore, the concurrent step, the invariant checks and what follows).
 */
import { resolve } from 'node:path';
import { type RunOnce, defaultCatalog, explore, exploreScenario, loadScenario, scenarioMachines, snapshotRunOnce } from '@vmlab/lab';

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
      let ms = 0;
      const t0 = performance.now();
      do {
        const r = await exploreScenario(s, machines, catalog, { ...o, snapshots, logFor: () => '/dev/null' });
        for (const m of r.outcomes) {
          schedules += m.result.schedules;
          ms += m.result.stats.ms;
        }
      } while (performance.now() - t0 < minSeconds * 500);
      return { schedules, ms };
    };
    const withSnap = await whole(true);
    const fresh = await whole(false);
    // The resumed runs alone, timed one by one.
    let resumed = 0;
    let resumedMs = 0;
    let restoreMs = 0;
    let objects = 0;
    let bytes = 0;
    const t0 = performance.now();
    do {
      for (const m of machines) {
        const base = snapshotRunOnce(s, m, catalog);
        const timed: RunOnce = async (hooks) => {
          if (hooks.from === undefined) return base(hooks);
          objects = hooks.from.objects;
          bytes = hooks.from.bytes;
          const a = performance.now();
          let first = -1;
          const r = await base({
            ...hooks,
            chooser: (rs, p, sch) => {
              if (first < 0) first = performance.now();
              return hooks.chooser(rs, p, sch);
            },
          });
          const b = performance.now();
          resumed++;
          resumedMs += b - a;
          restoreMs += (first < 0 ? b : first) - a;
          return r;
        };
        await explore(timed, o);
      }
    } while (performance.now() - t0 < minSeconds * 500);
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
