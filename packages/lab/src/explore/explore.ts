/**
 * Schedule exploration (ARCHITECTURE.md "Kernel threads, locks and interleavings"): runs a
 * scenario once per schedule of its `concurrent` steps, each time on a fresh machine,
 * choosing the thread at every scheduling point through the runner's chooser hook.
 *
 * - dfs: bounded exhaustive depth-first search. A schedule is the sequence of choices; past
 *   a fixed prefix the default is to keep running the current thread (no preemption).
 *   Switching away from a thread that could go on is a preemption; a schedule with more
 *   than `bound` preemptions is not explored (Musuvathi and Qadeer's context bounding).
 *   Alternatives at a point where only one thread is runnable do not exist, so paths
 *   through lock waits and sleeps that block the others cost nothing.
 * - random: every choice uniformly among the runnable threads, from a seeded generator.
 * - pct: probabilistic concurrency testing (Burckhardt et al.): random thread priorities,
 *   `bound` priority change points; the highest-priority runnable thread runs.
 */
import type { Scenario, Step } from '../scenario/ast.ts';
import type { RunOptions, RunReport } from '../runner/RunReport.ts';
import { Prng } from './prng.ts';
import { InputError } from '../scenario/InputError.ts';

export type Strategy = 'dfs' | 'random' | 'pct';

export interface ExplorePoint {
  runnable: number[];
  chosen: number;
  /** The `concurrent` step this point belongs to: its ordinal among those that ran and its line. */
  segment: number;
  line: number;
}

export type ExploreHooks = Required<Pick<RunOptions, 'chooser' | 'onSchedule'>>;

/** Runs the scenario once on a fresh machine with these hooks. */
export type RunOnce = (hooks: ExploreHooks) => Promise<RunReport>;

export interface ExploreOptions {
  strategy: Strategy;
  /** dfs: the preemption bound; pct: the number of priority change points. */
  bound: number;
  seed: number;
  /** random and pct: how many schedules; dfs: a cap (the search then reports it was cut short). */
  runs: number;
  /** Called after every schedule (a progress bar). */
  onProgress?: (schedules: number) => void;
  /** Stop after this many seconds of wall time (the result then says it was cut short). */
  seconds?: number;
  /**
   * Refuse to start a search estimated (after its first schedule) to take longer than
   * `limitSeconds`, unless `accept`; the message gives the estimate and the flags.
   */
  budget?: { limitSeconds: number; accept: boolean };
}

/** Schedules a dfs with this many scheduling points, threads and preemption bound may run (an over-estimate). */
export function dfsEstimate(points: number, threads: number, bound: number): number {
  let total = 0;
  let c = 1;
  for (let i = 0; i <= bound && i <= points; i++) {
    total += c * Math.max(1, threads - 1) ** i;
    c = (c * (points - i)) / (i + 1);
  }
  return total;
}

export interface ExploreViolation {
  /** The invariant's name, `expectation` for a failed expectation, `deadlock` or `error`. */
  invariant: string;
  message: string;
  /** The choices, one list per `concurrent` step (as `schedule:` takes them). */
  schedules: { line: number; schedule: number[] }[];
  report: RunReport;
}

export interface ExploreResult {
  schedules: number;
  /** dfs: every schedule up to the bound was run. */
  complete: boolean;
  /** The most preemptions a schedule that ran had (dfs). */
  maxPreemptions: number;
  /** Scheduling points in the longest schedule. */
  maxPoints: number;
  violation?: ExploreViolation;
  /** The search stopped at `seconds`. */
  timedOut?: boolean;
}

/** The first thing wrong with a run, if any. */
export function firstProblem(r: RunReport): { invariant: string; message: string } | undefined {
  const v = r.violations[0];
  if (v !== undefined) return { invariant: v.invariant, message: `${v.message} (after step ${v.step}, line ${v.pos.line})` };
  const f = r.failures[0];
  if (f !== undefined) return { invariant: 'expectation', message: `line ${f.pos.line} ${f.op}: ${f.failure ?? 'failed'}` };
  if (r.error !== undefined) return { invariant: /deadlock/.test(r.error) ? 'deadlock' : 'error', message: r.error };
  return undefined;
}

/** Groups a run's points into one schedule list per `concurrent` step. */
export function schedulesOf(points: readonly ExplorePoint[]): { line: number; schedule: number[] }[] {
  const out: { line: number; schedule: number[] }[] = [];
  for (const p of points) {
    const seg = out[p.segment] ?? (out[p.segment] = { line: p.line, schedule: [] });
    seg.schedule.push(p.chosen);
  }
  return out;
}

/** A copy of the scenario whose `concurrent` steps (in order) carry these schedules. */
export function withSchedules(s: Scenario, schedules: readonly { schedule: number[] }[]): Scenario {
  let k = 0;
  const steps: Step[] = s.steps.map((st) => {
    if (st.op !== 'concurrent') return st;
    const sch = schedules[k++];
    const args = { ...st.args };
    if (sch === undefined) delete args.schedule;
    else args.schedule = sch.schedule;
    return { ...st, args };
  });
  return { ...s, steps };
}

function formatDuration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

interface Frame {
  runnable: number[];
  chosen: number;
  /** The thread that ran before this point in its segment (-1 at a segment's start). */
  prev: number;
  /** Preemptions before this point. */
  pre: number;
  tried: Set<number>;
}

const isPreemption = (f: { prev: number; runnable: number[] }, c: number) => f.prev >= 0 && c !== f.prev && f.runnable.includes(f.prev);

/** Explores the schedules; stops at the first schedule with a problem. */
export async function explore(runOnce: RunOnce, o: ExploreOptions): Promise<ExploreResult> {
  const rng = new Prng(o.seed);
  let schedules = 0;
  let maxPre = 0;
  let maxPoints = 0;

  // One run with a choice function; records the points.
  const started = Date.now();
  let timedOut = false;
  const outOfTime = (): boolean => {
    if (o.seconds !== undefined && Date.now() - started >= o.seconds * 1000) timedOut = true;
    return timedOut;
  };
  let warm = 0;
  let threadsSeen = 1;
  const runWith = async (choose: (runnable: number[], idx: number, prev: number, segPoint: number) => number) => {
    const points: ExplorePoint[] = [];
    const frames: Frame[] = [];
    let segment = -1;
    let prev = -1;
    let pre = 0;
    let pendingLine = 0;
    const report = await runOnce({
      chooser: (runnable, point) => {
        if (point === 0) {
          segment++;
          prev = -1;
        }
        const idx = points.length;
        const c = choose(runnable, idx, prev, point);
        const f: Frame = { runnable, chosen: c, prev, pre, tried: new Set([c]) };
        if (isPreemption(f, c)) pre++;
        frames.push(f);
        points.push({ runnable, chosen: c, segment, line: 0 });
        prev = c;
        return c;
      },
      onSchedule: (_p, step) => {
        pendingLine = step.pos.line;
        const last = points[points.length - 1];
        if (last !== undefined) last.line = pendingLine;
      },
    });
    schedules++;
    maxPre = Math.max(maxPre, pre);
    maxPoints = Math.max(maxPoints, points.length);
    o.onProgress?.(schedules);
    threadsSeen = points.reduce((m, p) => Math.max(m, p.runnable.length), threadsSeen);
    // The first schedule pays for warming up: the estimate times schedules 2 to 5.
    if (schedules === 1) warm = Date.now();
    if (schedules === 5 && o.budget !== undefined && !o.budget.accept && o.seconds === undefined) {
      const threads = threadsSeen;
      const est = o.strategy === 'dfs' ? Math.min(o.runs, dfsEstimate(maxPoints, threads, o.bound)) : o.runs;
      const each = Math.max(1, (Date.now() - warm) / 4) / 1000;
      if (est * each > o.budget.limitSeconds) {
        const how = o.strategy === 'dfs' ? `up to ${Math.round(est).toLocaleString('en')} schedules (${maxPoints} scheduling points, ${threads} threads, bound ${o.bound})` : `${est.toLocaleString('en')} schedules`;
        throw new InputError(
          `explore: this search would run ${how}, about ${formatDuration(est * each)} at ${(each * 1000).toFixed(0)} ms each; ` +
            `pass --accept-estimate to run it, --time SECONDS to stop after a while, or lower --bound/--runs`,
        );
      }
    }
    return { report, points, frames };
  };

  const found = (report: RunReport, points: ExplorePoint[]): ExploreViolation | undefined => {
    const p = firstProblem(report);
    return p === undefined ? undefined : { ...p, schedules: schedulesOf(points), report };
  };

  const result = (complete: boolean, violation?: ExploreViolation): ExploreResult => ({
    schedules,
    complete,
    maxPreemptions: maxPre,
    maxPoints,
    ...(violation !== undefined ? { violation } : {}),
    ...(timedOut ? { timedOut } : {}),
  });

  if (o.strategy === 'random') {
    for (let i = 0; i < o.runs; i++) {
      if (outOfTime()) break;
      const { report, points } = await runWith((rs) => rs[rng.below(rs.length)]!);
      const v = found(report, points);
      if (v !== undefined) return result(false, v);
    }
    return result(false);
  }

  if (o.strategy === 'pct') {
    // The first run (lowest first) measures the length k of a schedule.
    const first = await runWith((rs) => rs[0]!);
    const v0 = found(first.report, first.points);
    if (v0 !== undefined) return result(false, v0);
    const k = Math.max(1, first.points.length);
    for (let i = 1; i < o.runs; i++) {
      if (outOfTime()) break;
      const change = new Set<number>();
      for (let j = 0; j < o.bound; j++) change.add(1 + rng.below(k));
      let prio: number[] = [];
      let lowered = 0;
      const { report, points } = await runWith((rs, idx, prev, segPoint) => {
        if (segPoint === 0) {
          const n = Math.max(...rs) + 1;
          prio = rng.permutation(n).map((x) => x + o.bound + 1);
        }
        if (change.has(idx) && prev >= 0) prio[prev] = o.bound - lowered++;
        let best = rs[0]!;
        for (const t of rs) if ((prio[t] ?? 0) > (prio[best] ?? 0)) best = t;
        return best;
      });
      const v = found(report, points);
      if (v !== undefined) return result(false, v);
    }
    return result(false);
  }

  // dfs
  let prefix: number[] = [];
  let stack: Frame[] = [];
  for (;;) {
    if (schedules >= o.runs || outOfTime()) return result(false);
    const pfx = prefix;
    const { report, points, frames } = await runWith((rs, idx, prev) => {
      if (idx < pfx.length) {
        const c = pfx[idx]!;
        if (rs.includes(c)) return c;
      }
      return rs.includes(prev) ? prev : rs[0]!;
    });
    const v = found(report, points);
    if (v !== undefined) return result(false, v);
    // Keep what was tried at the prefix's points; the rest is new.
    for (let i = 0; i < frames.length; i++) {
      const old = stack[i];
      if (i < pfx.length && old !== undefined) frames[i]!.tried = old.tried;
    }
    stack = frames;
    // Backtrack to the deepest point with an untried choice within the bound.
    let next: number[] | undefined;
    for (let j = stack.length - 1; j >= 0 && next === undefined; j--) {
      const f = stack[j]!;
      for (const c of f.runnable) {
        if (f.tried.has(c)) continue;
        if (f.pre + (isPreemption(f, c) ? 1 : 0) > o.bound) continue;
        f.tried.add(c);
        next = [...stack.slice(0, j).map((x) => x.chosen), c];
        stack = stack.slice(0, j + 1);
        break;
      }
    }
    if (next === undefined) return result(true);
    prefix = next;
  }
}
