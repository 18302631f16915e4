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
 * Sleep sets (Godefroid; Flanagan and Godefroid, POPL 2005; on with the reduction unless
 * `sleepSets: false`) merge what the cache cannot: prefixes that are equivalent but end with
 * different threads. Once a choice t has been explored at a point, the later alternatives c
 * there that are independent of t carry t asleep, and it stays asleep down their subtrees
 * while only threads independent of it run; a sleeping thread is not chosen (`pruned.sleep`),
 * since running it there gives a schedule equivalent to one that ran it at the point where it
 * was explored. childSleep gives the condition that keeps that equivalent schedule within the
 * bound. Sleep sets start empty at each `concurrent` step. What is not done: DPOR's
 * backtracking sets (exploring only the alternatives a race calls for); every alternative
 * within the bound that is not asleep or cached is still run.
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
  /** The dependence of this point's `concurrent` step (its threads: row i, column j). */
  dep: readonly (readonly boolean[])[] | null;
}

/** Sleep sets are bit masks of threads: a step with more threads than this runs without them. */
const SLEEP_MAX_THREADS = 31;

/**
 * The sleep set of the child reached by choosing `c` at frame `f`, whose own sleep set is
 * `sleep` and whose children `done` (a mask, without `c`) were explored before `c`.
 *
 * A thread t asleep there is independent of everything run since the point where it was
 * explored (its origin, with the thread p that ran before it), so any schedule that runs t
 * from here is equivalent to one that runs t's next block of transitions at the origin first,
 * which was covered there. Under the preemption bound that equivalent schedule must not cost
 * more preemptions (Coons, Musuvathi and McKinley, OOPSLA 2013: the bound makes otherwise
 * independent transitions dependent). Moving t's block from after the path x (x1 first) to
 * the origin changes the count by c(p, t) - c(p, x1) - [x's last thread runs right after the
 * block and was runnable] <= c(p, t) - c(p, x1), where c(p, y) is 1 when y preempts p at the
 * origin. So t goes to sleep under c only when choosing t at the origin was no preemption or
 * choosing c there is one too; once asleep it stays asleep while only threads independent
 * of it run (the enabledness of a thread does not depend on threads independent of it: they
 * share no map, object or lock). The dfs explores the continuing thread first at every new
 * point, so a preempting t is never explored before a non-preempting c at the same point and
 * the condition excludes nothing today; it is what makes another order safe.
 * tests/explore/sleepSetsModel.spec.ts checks coverage of every trace on random programs.
 */
function childSleep(f: Frame, sleep: number, done: number, c: number): number {
  const dep = f.dep;
  if (dep === null || dep.length > SLEEP_MAX_THREADS) return 0;
  const row = dep[c]!;
  const cPre = isPreemption(f.prev, f.runnable, c);
  let out = 0;
  for (let t = 0; t < dep.length; t++) {
    const b = 1 << t;
    if (t === c || row[t] === true) continue;
    if ((sleep & b) !== 0) out |= b;
    else if ((done & b) !== 0 && (cPre || !isPreemption(f.prev, f.runnable, t))) out |= b;
  }
  return out;
}

/** The bounded DFS (see the file comment). */
export async function exploreDfs(runOnce: RunOnce, o: ExploreOptions, sh: { index: number; count: number }): Promise<ExploreResult> {
  const t0 = performance.now();
  const clock = new SearchClock(o);
  const reduce = o.reduction !== false;
  const sleepOn = reduce && o.sleepSets !== false;
  const cache = new Map<string, number>();
  let schedules = 0;
  let runs = 0;
  let points = 0;
  let prefixMs = 0;
  let maxPre = 0;
  let maxPoints = 0;
  const pruned = { equivalent: 0, cut: 0, state: 0, sleep: 0 };
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
  /** Per point of the current path: its sleep set, and the children explored (or covered) there so far (thread masks). */
  const sleepAt: number[] = [];
  const doneAt: number[] = [];
  let dep: readonly (readonly boolean[])[] | null = null;
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
    let sleepCut = false;
    const rec = await recordRun(
      runOnce,
      (rs, idx, prev, seg, pre) => {
        if (idx < pfx.length && rs.includes(pfx[idx]!)) {
          const c = pfx[idx]!;
          frames.push({ runnable: rs, chosen: c, prev, pre, tried: new Set([c]), before: cls, dep });
          cls = cls.after(c);
          return c;
        }
        // A new point: its sleep set comes from the point before (none at a step's start).
        const parent = frames[idx - 1];
        const sleep =
          sleepOn && seg > 0 && parent !== undefined ? (idx === pfx.length ? (sleepAt[idx] ?? 0) : childSleep(parent, sleepAt[idx - 1]!, 0, parent.chosen)) : 0;
        sleepAt[idx] = sleep;
        doneAt[idx] = 0;
        // Keep running the thread that ran (else the lowest runnable), unless it is asleep.
        const f: Frame = { runnable: rs, chosen: -1, prev, pre, tried: new Set(), before: cls, dep };
        const first = rs.includes(prev) ? prev : rs[0]!;
        for (let k = -1; k < rs.length; k++) {
          const x = k < 0 ? first : rs[k]!;
          if (k >= 0 && x === first) continue;
          if ((sleep & (1 << x)) !== 0) {
            f.tried.add(x);
            pruned.sleep++;
            continue;
          }
          if (pre + (isPreemption(prev, rs, x) ? 1 : 0) > o.bound) continue;
          f.chosen = x;
          break;
        }
        if (f.chosen < 0) {
          // Every choice here is asleep or beyond the bound: nothing new below.
          sleepCut = true;
          throw new CutRun();
        }
        const c = f.chosen;
        f.tried.add(c);
        doneAt[idx] = 1 << c;
        frames.push(f);
        cls = cls.after(c);
        if (!visit(cls, c, o.bound - pre - (isPreemption(prev, rs, c) ? 1 : 0))) {
          cut = true;
          throw new CutRun();
        }
        return c;
      },
      (d) => {
        dep = d;
        cls = cls.segment(d);
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
    else if (!sleepCut) {
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
        if ((sleepAt[j]! & (1 << c)) !== 0) {
          pruned.sleep++;
          continue;
        }
        if (!visit(f.before.after(c), c, o.bound - pre)) {
          pruned.equivalent++;
          doneAt[j] = doneAt[j]! | (1 << c);
          continue;
        }
        next = [...stack.slice(0, j).map((x) => x.chosen), c];
        stack = stack.slice(0, j + 1);
        sleepAt.length = j + 2;
        doneAt.length = j + 1;
        sleepAt[j + 1] = sleepOn ? childSleep(f, sleepAt[j]!, doneAt[j]!, c) : 0;
        doneAt[j] = doneAt[j]! | (1 << c);
        div = Math.min(div, j);
        break;
      }
    }
    if (next === undefined) return result(true);
    prefix = next;
  }
}
