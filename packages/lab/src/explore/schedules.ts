/** A run's schedules: its first problem, its choices per `concurrent` step, and a scenario carrying them. */
import type { Scenario, Step } from '../scenario/ast.ts';
import type { RunReport } from '../runner/RunReport.ts';
import type { ExplorePoint } from './exploreTypes.ts';

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
    let seg = out[p.segment];
    if (seg === undefined) {
      seg = { line: p.line, schedule: [] };
      out[p.segment] = seg;
    }
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
