/**
 * Bounded exhaustive depth-first search over the schedules of a scenario's `concurrent`
 * steps. A schedule is the sequence of choices; past a fixed prefix the default is to keep
 * running the current thread (no preemption). Switching away from a thread that could go on
 * is a preemption; a schedule with more than `bound` preemptions is not explored (Musuvathi
 * and Qadeer's context bounding). Points where one thread is runnable have no alternatives,
 * so paths through lock waits and sleeps that block the others cost nothing.
 *
 * The reduction (on unless `reduction: false`) is a cache of explored prefix classes: the
 * Mazurkiewicz trace of a prefix (TraceClass, under threadDependence) with the thread that
 * ran last and the preemptions left. Equivalent prefixes reach the same machine state and
 * thread positions, so a node whose class was explored with at least as many preemptions
 * left and the same last thread has nothing new beneath it: an alternative leading there is
 * not run (`pruned.equivalent`), and a run reaching one stops there (`pruned.cut`). This
 * keeps the bound's meaning exactly (the subsuming subtree had the same state, the same
 * preemption accounting and at least the budget), which is the trap Coons, Musuvathi and
 * McKinley ("Bounded partial-order reduction", OOPSLA 2013) show naive POR under a bound
 * falls into. Verdicts equal the unreduced search's; only the number of schedules drops.
 *
 * Shards: every shard runs the first schedule (shard 0 counts it); the alternatives at its
 * points (the top-level subtrees) are dealt in turn to the shards, each exploring its own.
 */
import { SearchClock } from './searchClock.ts';
import type { ExploreOptions, ExploreResult, ExploreViolation, RunOnce } from './exploreTypes.ts';
import { CutRun, isPreemption, recordRun, violationOf } from './recordRun.ts';
import { SnapshotShelf } from './snapshotShelf.ts';
import { TraceClass } from './TraceClass.ts';

interface Frame {
  runnable: number[];
  chosen: number;
  /** The thread that ran before this point in its segment (-1 at a segment's start). */
  prev: number;
  /** Preemptions before this point. */
  pre: number;
  tried: Set<number>;
  /** The class of the prefix before this point. */
  before: TraceClass;
}

/** The bounded DFS (see the file comment). */
export async function exploreDfs(runOnce: RunOnce, o: ExploreOptions, sh: { index: number; count: number }): Promise<ExploreResult> {
  const t0 = performance.now();
  const clock = new SearchClock(o);
  const reduce = o.reduction !== false;
  const cache = new Map<string, number>();
  let schedules = 0;
  let runs = 0;
  let points = 0;
  let prefixMs = 0;
  let maxPre = 0;
  let maxPoints = 0;
  const pruned = { equivalent: 0, cut: 0, state: 0 };
  /** The state cache: a digest of the machine at a later `concurrent` step's start -> the most preemptions left it was explored with. */
  const states = new Map<string, number>();
  const shelf = new SnapshotShelf(o.snapshots !== false);
  const result = (complete: boolean, violation?: ExploreViolation): ExploreResult => ({
    schedules,
    complete,
    maxPreemptions: maxPre,
    maxPoints,
    ...(violation !== undefined ? { violation } : {}),
    ...(clock.timedOut ? { timedOut: true } : {}),
    stats: {
      runs,
      points,
      pruned,
      cached: cache.size,
      states: states.size,
      ms: Math.round(performance.now() - t0),
      prefixMs: Math.round(prefixMs),
      ...shelf.stats(),
    },
  });
  /** Records the node (class, last thread, budget left); false when an explored one subsumes it. */
  const visit = (cls: TraceClass, last: number, left: number): boolean => {
    if (!reduce) return true;
    const key = `${cls.key()}/${last}`;
    const had = cache.get(key);
    if (had !== undefined && had >= left) return false;
    cache.set(key, left);
    return true;
  };

  let prefix: number[] = [];
  let stack: Frame[] = [];
  let div = Infinity; // the first point where the current path leaves the first schedule
  let top = 0; // top-level alternatives dealt so far
  for (let first = true; ; first = false) {
    if (schedules >= o.runs) return result(false);
    if (clock.outOfTime()) return result(false);
    const pfx = prefix;
    // Resume from the deepest snapshot taken on this prefix (its frames and class come with it).
    const from = shelf.resumeFor(pfx);
    const saved = from?.user as { frames: Frame[]; cls: TraceClass } | undefined;
    const frames: Frame[] = saved !== undefined ? saved.frames.map((f) => ({ ...f })) : [];
    let cls = saved !== undefined ? saved.cls : TraceClass.EMPTY;
    let cut = false;
    let stateCut = false;
    const rec = await recordRun(
      runOnce,
      (rs, idx, prev, _seg, pre) => {
        let c: number;
        if (idx < pfx.length && rs.includes(pfx[idx]!)) c = pfx[idx]!;
        else c = rs.includes(prev) ? prev : rs[0]!;
        const f: Frame = { runnable: rs, chosen: c, prev, pre, tried: new Set([c]), before: cls };
        frames.push(f);
        cls = cls.after(c);
        if (idx >= pfx.length && !visit(cls, c, o.bound - pre - (isPreemption(prev, rs, c) ? 1 : 0))) {
          cut = true;
          throw new CutRun();
        }
        return c;
      },
      (dep) => {
        cls = cls.segment(dep);
      },
      shelf.use(
        from,
        () => ({ frames: frames.map((f) => ({ ...f })), cls }),
        reduce
          ? (pts, _take, state) => {
              // The state cache: at a later concurrent step's start no thread is in flight, so the
              // machine's state (and the runner's saved values) is all the rest depends on.
              if (pts.length === 0 || pts.length < pfx.length) return;
              const h = state();
              if (h === undefined) return;
              const end = frames[frames.length - 1]!;
              const left = o.bound - end.pre - (isPreemption(end.prev, end.runnable, end.chosen) ? 1 : 0);
              const had = states.get(h);
              if (had !== undefined && had >= left) {
                cut = true;
                stateCut = true;
                throw new CutRun();
              }
              states.set(h, left);
            }
          : undefined,
      ),
    );
    runs++;
    points += rec.points.length;
    prefixMs += rec.prefixMs;
    if (stateCut) pruned.state++;
    else if (cut) pruned.cut++;
    else {
      if (first && sh.index !== 0) {
        // The first schedule is shard 0's; a violation there ends every shard's part.
        if (violationOf(rec.report, rec.points) !== undefined) return result(true);
      } else {
        schedules++;
        maxPoints = Math.max(maxPoints, rec.points.length);
        const end = frames[frames.length - 1];
        if (end !== undefined) maxPre = Math.max(maxPre, end.pre + (isPreemption(end.prev, end.runnable, end.chosen) ? 1 : 0));
        o.onProgress?.(schedules);
        clock.scheduled(schedules, maxPoints, rec.points);
        const v = violationOf(rec.report, rec.points);
        if (v !== undefined) return result(false, v);
      }
    }
    // Keep what was tried at the prefix's points; the rest is new.
    for (let i = 0; i < frames.length && i < pfx.length; i++) {
      const old = stack[i];
      if (old !== undefined) frames[i]!.tried = old.tried;
    }
    stack = frames;
    // Backtrack to the deepest point with an untried choice within the bound.
    let next: number[] | undefined;
    for (let j = stack.length - 1; j >= 0 && next === undefined; j--) {
      const f = stack[j]!;
      for (const c of f.runnable) {
        if (f.tried.has(c)) continue;
        const pre = f.pre + (isPreemption(f.prev, f.runnable, c) ? 1 : 0);
        if (pre > o.bound) continue;
        f.tried.add(c);
        // At or above the first divergence the alternatives are top-level: dealt to the shards.
        if (j <= div && top++ % sh.count !== sh.index) continue;
        if (!visit(f.before.after(c), c, o.bound - pre)) {
          pruned.equivalent++;
          continue;
        }
        next = [...stack.slice(0, j).map((x) => x.chosen), c];
        stack = stack.slice(0, j + 1);
        div = Math.min(div, j);
        break;
      }
    }
    if (next === undefined) return result(true);
    prefix = next;
  }
}
