/** One explored run: the chooser that records its points, and what it found. */
import type { RunReport } from '../runner/RunReport.ts';
import type { ExplorePoint, ExploreViolation, RunOnce, RunSnapshot } from './exploreTypes.ts';
import { firstProblem, schedulesOf } from './schedules.ts';

/** Thrown by a chooser to stop a run whose rest is already explored. */
export class CutRun extends Error {}

/** A run's recording: its points and, per point, the thread that ran before it and the preemptions before it. */
export interface Recorded {
  report: RunReport | undefined;
  points: ExplorePoint[];
  prevs: number[];
  pres: number[];
  /** Milliseconds from the run's start to its first scheduling point: the prefix re-run (composition and serial steps). */
  prefixMs: number;
}

/** A snapshot with the recorder's state where it was taken, and its taker's (`user`). */
export interface Resumable {
  snap: RunSnapshot;
  points: readonly ExplorePoint[];
  prevs: readonly number[];
  pres: readonly number[];
  segment: number;
  pre: number;
  user?: unknown;
}

/**
 * How a run uses snapshots: resume `from` one; at each `concurrent` step's start, `at` may
 * `take` one, or ask for the `state` digest there (and throw CutRun to stop the run).
 */
export interface SnapshotUse {
  from?: Resumable;
  at?: (points: readonly ExplorePoint[], take: () => Resumable | undefined, state: () => string | undefined) => void;
}

/** Whether choosing c at a point (after prev, with these runnable) is a preemption. */
export const isPreemption = (prev: number, runnable: readonly number[], c: number): boolean => prev >= 0 && c !== prev && runnable.includes(prev);

/**
 * The chooser of one run: `choose` picks at each point (given the runnable threads, the
 * point's index in the run, the thread that ran before in this segment, the point's index
 * in its segment); `onSegment` hears each `concurrent` step's dependence. A CutRun thrown by
 * `choose` ends the run (report undefined).
 */
export async function recordRun(
  runOnce: RunOnce,
  choose: (runnable: number[], idx: number, prev: number, segPoint: number, pre: number) => number,
  onSegment: (dep: boolean[][]) => void = () => {},
  snapshots: SnapshotUse = {},
): Promise<Recorded> {
  const from = snapshots.from;
  const points: ExplorePoint[] = from !== undefined ? from.points.map((p) => ({ ...p })) : [];
  const prevs: number[] = from !== undefined ? [...from.prevs] : [];
  const pres: number[] = from !== undefined ? [...from.pres] : [];
  let segment = from !== undefined ? from.segment : -1;
  let prev = -1;
  let pre = from !== undefined ? from.pre : 0;
  const at = snapshots.at;
  let report: RunReport | undefined;
  const t0 = performance.now();
  let prefixMs = -1;
  try {
    report = await runOnce({
      ...(from !== undefined ? { from: from.snap } : {}),
      ...(at !== undefined
        ? {
            atConcurrent: (take: () => RunSnapshot | undefined, state: () => string | undefined) =>
              at(
                points,
                () => {
                  const snap = take();
                  return snap === undefined ? undefined : { snap, points: points.map((p) => ({ ...p })), prevs: [...prevs], pres: [...pres], segment, pre };
                },
                state,
              ),
          }
        : {}),
      onConcurrent: (dep) => onSegment(dep),
      chooser: (runnable, point) => {
        if (prefixMs < 0) prefixMs = performance.now() - t0;
        if (point === 0) {
          segment++;
          prev = -1;
        }
        const c = choose(runnable, points.length, prev, point, pre);
        prevs.push(prev);
        pres.push(pre);
        if (isPreemption(prev, runnable, c)) pre++;
        points.push({ runnable, chosen: c, segment, line: 0 });
        prev = c;
        return c;
      },
      onSchedule: (_p, step) => {
        const last = points[points.length - 1];
        if (last !== undefined) last.line = step.pos.line;
      },
    });
  } catch (e) {
    if (!(e instanceof CutRun)) throw e;
  }
  return { report, points, prevs, pres, prefixMs: Math.max(0, prefixMs) };
}

/** The violation of a finished run, if it has a problem. */
export function violationOf(report: RunReport | undefined, points: ExplorePoint[]): ExploreViolation | undefined {
  if (report === undefined) return undefined;
  const p = firstProblem(report);
  return p === undefined ? undefined : { ...p, schedules: schedulesOf(points), report };
}
