/**
 * The explorer's throughput on the seed races for `pnpm bench`: each fixed example explored
 * exhaustively (dfs, bound 2, no reduction) in-process, repeated until a second has passed;
 * schedules per second over the whole search, and over the part after the prefix (each
 * schedule re-composes the machine and re-runs the steps before the `concurrent` step: no
 * snapshot yet, stats.prefixMs measures that share).
 */
import { resolve } from 'node:path';
import { defaultCatalog, exploreScenario, loadScenario, scenarioMachines } from '@vmlab/lab';

export interface ExploreRate {
  race: string;
  schedules: number;
  seconds: number;
  perSecond: number;
  /** Schedules per second of the time after the prefix (the concurrent step and what follows). */
  perSecondPastPrefix: number;
  prefixShare: number;
}

export const SEED_RACES = ['races/d15293-swap-split/fixed.yaml', 'races/revoke-walk/fixed.yaml', 'races/exit-peek/fixed.yaml'];

export async function exploreRates(examples: string, minSeconds: number): Promise<ExploreRate[]> {
  const catalog = defaultCatalog();
  const out: ExploreRate[] = [];
  for (const race of SEED_RACES) {
    const s = loadScenario(resolve(examples, race));
    const machines = scenarioMachines(s, catalog, undefined);
    let schedules = 0;
    let ms = 0;
    let prefixMs = 0;
    const t0 = performance.now();
    do {
      const r = await exploreScenario(s, machines, catalog, { strategy: 'dfs', bound: 2, seed: 1, runs: 100000, reduction: false, logFor: () => '/dev/null' });
      for (const o of r.outcomes) {
        schedules += o.result.schedules;
        ms += o.result.stats.ms;
        prefixMs += o.result.stats.prefixMs;
      }
    } while (performance.now() - t0 < minSeconds * 1000);
    out.push({
      race,
      schedules,
      seconds: ms / 1000,
      perSecond: schedules / (ms / 1000),
      perSecondPastPrefix: schedules / (Math.max(1, ms - prefixMs) / 1000),
      prefixShare: prefixMs / ms,
    });
  }
  return out;
}
