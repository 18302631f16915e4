/**
 * The sampling strategies, each run from its own seeded generator (the campaign's seed and
 * the run's number), so a shard can run exactly its runs (number i belongs to shard
 * i mod count) and the shards together run what one unsharded campaign runs.
 *
 * - random: every choice uniformly among the runnable threads.
 * - pct: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 *   ASPLOS 2010): random thread priorities and `bound` priority change points (depth
 *   bound + 1) over the k points of a first, lowest-first run; the highest-priority
 *   runnable thread runs.
 * - delay: delay-bounded random scheduling (Emmi, Qadeer, Rakamarić, POPL 2011): a
 *   deterministic round-robin scheduler (keep the running thread, else the next runnable
 *   one in thread order) that skips over the thread it would pick at `bound` random points.
 */
import { SearchClock } from './searchClock.ts';
import type { ExploreOptions, ExploreResult, ExploreViolation, RunOnce } from './exploreTypes.ts';
import { Prng } from './prng.ts';
import { type Recorded, recordRun, violationOf } from './recordRun.ts';
import { SnapshotShelf } from './snapshotShelf.ts';

/** The seed of run `i` of a campaign with this seed. */
export function runSeed(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.imul(h, 0x27d4eb2f) >>> 0;
}

/** The next runnable thread after `t` in cyclic thread order. */
function nextAfter(rs: readonly number[], t: number): number {
  for (const x of rs) if (x > t) return x;
  return rs[0]!;
}

/** Runs the sampling strategy `o.strategy` for this shard's runs. */
export async function exploreSampled(runOnce: RunOnce, o: ExploreOptions, sh: { index: number; count: number }): Promise<ExploreResult> {
  const t0 = performance.now();
  const clock = new SearchClock(o);
  let schedules = 0;
  let runs = 0;
  let points = 0;
  let prefixMs = 0;
  let maxPre = 0;
  let maxPoints = 0;
  // Every run starts alike up to the first `concurrent` step: all resume from its snapshot.
  const shelf = new SnapshotShelf(o.snapshots !== false, true);
  const run = (choose: Parameters<typeof recordRun>[1]): Promise<Recorded> => {
    const from = shelf.resumeFor([]);
    return recordRun(
      runOnce,
      choose,
      undefined,
      shelf.use(from, () => undefined),
    );
  };
  const count = (r: Recorded, mine: boolean): void => {
    runs++;
    points += r.points.length;
    prefixMs += r.prefixMs;
    if (!mine) return;
    schedules++;
    maxPoints = Math.max(maxPoints, r.points.length);
    const last = r.pres.length > 0 ? r.pres[r.pres.length - 1]! : 0;
    maxPre = Math.max(maxPre, last);
    o.onProgress?.(schedules);
    clock.scheduled(schedules, maxPoints, r.points);
  };
  const result = (violation?: ExploreViolation): ExploreResult => ({
    schedules,
    complete: false,
    maxPreemptions: maxPre,
    maxPoints,
    ...(violation !== undefined ? { violation } : {}),
    ...(clock.timedOut ? { timedOut: true } : {}),
    stats: {
      runs,
      points,
      pruned: { equivalent: 0, cut: 0 },
      cached: 0,
      ms: Math.round(performance.now() - t0),
      prefixMs: Math.round(prefixMs),
      ...shelf.stats(),
    },
  });

  const roundRobin =
    (delays: ReadonlySet<number>) =>
    (rs: number[], idx: number, prev: number): number => {
      let pick = prev >= 0 && rs.includes(prev) ? prev : nextAfter(rs, prev);
      if (delays.has(idx) && rs.length > 1) pick = nextAfter(rs, pick);
      return pick;
    };
  // pct's and delay's run 0 (every shard runs it; shard 0 counts it) measures k, the points
  // of a schedule: pct's lowest-first run, delay's round robin without delays.
  let k = 1;
  let from = 0;
  if (o.strategy !== 'random') {
    const first = await run(o.strategy === 'pct' ? (rs) => rs[0]! : roundRobin(new Set()));
    count(first, sh.index === 0);
    const v = violationOf(first.report, first.points);
    if (v !== undefined) return result(sh.index === 0 ? v : undefined);
    k = Math.max(1, first.points.length);
    from = 1;
  }
  for (let i = from; i < o.runs; i++) {
    if (i % sh.count !== sh.index) continue;
    if (clock.outOfTime()) return result();
    const rng = new Prng(runSeed(o.seed, i));
    let r: Recorded;
    if (o.strategy === 'random') {
      r = await run((rs) => rs[rng.below(rs.length)]!);
    } else if (o.strategy === 'pct') {
      const change = new Set<number>();
      for (let j = 0; j < o.bound; j++) change.add(1 + rng.below(k));
      let prio: number[] = [];
      let lowered = 0;
      r = await run((rs, idx, prev, segPoint) => {
        if (segPoint === 0) {
          const n = Math.max(...rs) + 1;
          prio = rng.permutation(n).map((x) => x + o.bound + 1);
        }
        if (change.has(idx) && prev >= 0) prio[prev] = o.bound - lowered++;
        let best = rs[0]!;
        for (const t of rs) if ((prio[t] ?? 0) > (prio[best] ?? 0)) best = t;
        return best;
      });
    } else {
      const delays = new Set<number>();
      for (let j = 0; j < o.bound; j++) delays.add(rng.below(k));
      r = await run(roundRobin(delays));
    }
    count(r, true);
    const v = violationOf(r.report, r.points);
    if (v !== undefined) return result(v);
  }
  return result();
}
