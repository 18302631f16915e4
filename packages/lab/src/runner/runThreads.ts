/**
 * The scheduler of a `concurrent` step: its threads are kernel threads (generators that
 * yield where the kernel would sleep or drop a lock), and at each yield one runnable thread
 * is chosen: by the explorer's chooser, else by the step's `schedule:`, else the lowest.
 */
import { DeadlockError, type KGen, type Wait } from '@vmlab/core';
import type { Step } from '../scenario/ast.ts';
import { RunError, type RunOptions, type SchedulePoint } from './RunReport.ts';

/** What the runner gives the scheduler. */
export interface ThreadHost {
  /** The run has stopped (a violation under stopOnViolation, replay's --until). */
  stopped(): boolean;
  chooser?: RunOptions['chooser'];
  /** A scheduling decision, as it is taken. */
  onPoint(p: SchedulePoint): void;
  /** Thread `i` is about to run. */
  resume(i: number): void;
  /** A thread yielded (a scheduling point). */
  afterYield(): void;
}

/** Runs the threads of the concurrent step `s` to completion (or until the run stops). */
export function runThreads(gens: KGen<void>[], s: Step, host: ThreadHost): void {
  const sched = (s.args.schedule as number[] | undefined) ?? [];
  const n = gens.length;
  const waits: (Wait | null)[] = gens.map(() => null);
  const done: boolean[] = gens.map(() => false);
  let used = 0;
  let point = 0;
  let reason = 'start';
  const runnable = () => {
    const r: number[] = [];
    for (let i = 0; i < n; i++) {
      const w = waits[i];
      if (!done[i] && (w === null || w === undefined || w.until === undefined || w.until())) r.push(i);
    }
    return r;
  };
  while (!host.stopped()) {
    if (done.every((d) => d)) break;
    const rs = runnable();
    let pick: number;
    if (host.chooser !== undefined) {
      if (rs.length === 0) throw new DeadlockError(`deadlock in concurrent step at line ${s.pos.line}: ${waits.map((w, i) => (done[i] ? `${i}: done` : `${i}: ${w?.reason}`)).join(', ')}`);
      pick = host.chooser(rs, point, sched);
    } else if (used < sched.length) {
      pick = sched[used++]!;
      if (!rs.includes(pick)) {
        const why = pick >= n ? 'there is no such thread' : done[pick] ? 'it has finished' : `it is blocked at "${waits[pick]?.reason}"`;
        throw new RunError(`schedule entry ${used - 1} names thread ${pick}, which cannot run at that point: ${why}`, s.pos);
      }
    } else {
      if (rs.length === 0) throw new DeadlockError(`deadlock in concurrent step at line ${s.pos.line}: ${waits.map((w, i) => (done[i] ? `${i}: done` : `${i}: ${w?.reason}`)).join(', ')}`);
      pick = rs[0]!;
    }
    host.onPoint({ runnable: rs, chosen: pick, reason });
    point++;
    host.resume(pick);
    const r = gens[pick]!.next();
    if (r.done === true) {
      done[pick] = true;
      waits[pick] = null;
      reason = 'done';
    } else {
      waits[pick] = r.value;
      reason = r.value.reason;
      host.afterYield();
    }
  }
}
