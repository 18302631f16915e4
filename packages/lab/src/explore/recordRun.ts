/** One explored run: the chooser that records its points, and what it found. */
import type { RunReport } from '../runner/RunReport.ts';
import type { ExplorePoint, ExploreViolation, RunOnce } from './exploreTypes.ts';
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
): Promise<Recorded> {
  const points: ExplorePoint[] = [];
  const prevs: number[] = [];
  const pres: number[] = [];
  let segment = -1;
  let prev = -1;
  let pre = 0;
  let report: RunReport | undefined;
  const t0 = performance.now();
  let prefixMs = -1;
  try {
    report = await runOnce({
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
