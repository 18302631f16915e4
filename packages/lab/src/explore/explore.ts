/**
 * Schedule exploration (ARCHITECTURE.md "Kernel threads, locks and interleavings"): runs a
 * scenario once per schedule of its `concurrent` steps, each time on a fresh machine,
 * choosing the thread at every scheduling point through the runner's chooser hook.
 *
 * - dfs (dfs.ts): bounded exhaustive depth-first search under a preemption bound, with the
 *   reduction of equivalent prefixes (TraceClass) unless `reduction` is off.
 * - random, pct, delay (sampling.ts): seeded random schedules.
 *
 * Every strategy takes a shard (index of count): the shards of a campaign split its work
 * deterministically (dfs: the subtrees of the first schedule's alternatives; the sampling
 * strategies: the run numbers), so together they do the work of one unsharded run.
 */
import { exploreDfs } from './dfs.ts';
import type { ExploreOptions, ExploreResult, RunOnce } from './exploreTypes.ts';
import { exploreSampled } from './sampling.ts';

export type {
  ExploreHooks,
  ExploreOptions,
  ExplorePoint,
  ExploreResult,
  ExploreStats,
  ExploreViolation,
  RunOnce,
  RunSnapshot,
  Strategy,
} from './exploreTypes.ts';
export { STRATEGIES } from './exploreTypes.ts';
export { firstProblem, schedulesOf, withSchedules } from './schedules.ts';
export { dfsEstimate } from './searchClock.ts';

/** Explores the schedules; stops at the first schedule with a problem. */
export async function explore(runOnce: RunOnce, o: ExploreOptions): Promise<ExploreResult> {
  const sh = o.shard ?? { index: 0, count: 1 };
  if (!(sh.count >= 1 && sh.index >= 0 && sh.index < sh.count)) throw new Error(`shard ${sh.index}/${sh.count}: the index is from 0 to count - 1`);
  return o.strategy === 'dfs' ? exploreDfs(runOnce, o, sh) : exploreSampled(runOnce, o, sh);
}
