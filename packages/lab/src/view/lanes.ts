/**
 * Races as swimlanes: for each `concurrent` step, one lane per kernel thread, each slice a
 * stretch of execution from a scheduling point to the next, ending at a yield point named
 * by its reason (`swap_pager_getpages: wait for buffer`), preemptions marked, and the
 * slice after which an invariant broke. Recorded from the runner's hooks as a run goes.
 */
import type { Violation } from '@vmlab/core';
import type { Step } from '../scenario/ast.ts';
import type { CommandRecord, SchedulePoint } from '../runner/RunReport.ts';

export interface LaneSlice {
  /** The thread (its index in the step's `threads:`). */
  thread: number;
  /** Events [from, to) of the run's event log happened in this slice. */
  from: number;
  to: number;
  /** The commands that started in this slice (sequence numbers). */
  commands: number[];
  /** Why it stopped: the yield reason, `done`, or `stopped` (the run stopped here). */
  reason: string;
  /** The thread could have gone on, but another was chosen. */
  preempted: boolean;
  /** Invariants found broken at the end of this slice. */
  violations: { invariant: string; message: string }[];
}

export interface Lanes {
  /** The source line of the `concurrent` step. */
  line: number;
  threads: number;
  /** Each thread's label: the pid and tid its steps run as. */
  labels: string[];
  slices: LaneSlice[];
}

/** Builds the lanes of a run from its hooks (RunOptions' onSchedule, onCommand, onEventLine and each invariant check). */
export class LaneRecorder {
  readonly lanes: Lanes[] = [];
  private events = 0;
  private open: LaneSlice | undefined;
  private readonly seen = new Set<string>();

  /** A scheduling point (reason: why the previous slice stopped). */
  onSchedule(p: SchedulePoint, s: Step): void {
    if (p.reason === 'start') {
      this.close('done');
      const threads = (s.args.threads as Step[][]) ?? [];
      this.lanes.push({ line: s.pos.line, threads: threads.length, labels: threads.map((t, i) => labelOf(t, i)), slices: [] });
    } else if (this.open !== undefined) {
      const prev = this.open.thread;
      this.open.preempted = p.reason !== 'done' && p.runnable.includes(prev) && p.chosen !== prev;
      this.close(p.reason);
    }
    const lane = this.lanes[this.lanes.length - 1];
    if (lane === undefined) return;
    this.open = { thread: p.chosen, from: this.events, to: this.events, commands: [], reason: '', preempted: false, violations: [] };
    lane.slices.push(this.open);
  }

  onCommand(c: CommandRecord): void {
    if (c.thread === undefined) this.close('done');
    else this.open?.commands.push(c.seq);
  }

  onEventLine(): void {
    this.events++;
  }

  /** An invariant check's result: new violations are pinned to the open slice. */
  onCheck(vs: readonly Violation[]): void {
    for (const v of vs) {
      const key = `${v.invariant}:${v.message}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.open?.violations.push({ invariant: v.invariant, message: v.message });
    }
  }

  /** The run ended: an open slice ends with it. */
  finish(stopped: boolean): Lanes[] {
    this.close(stopped ? 'stopped' : 'done');
    return this.lanes;
  }

  private close(reason: string): void {
    if (this.open === undefined) return;
    this.open.to = this.events;
    this.open.reason = reason;
    this.open = undefined;
  }
}

function labelOf(steps: Step[], i: number): string {
  const a = steps[0]?.args ?? {};
  const who = typeof a.pid === 'number' ? ` (pid ${a.pid}${typeof a.tid === 'number' ? ` tid ${a.tid}` : ''})` : '';
  return `thread ${i}${who}`;
}
