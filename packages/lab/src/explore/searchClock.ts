import { InputError } from '../scenario/InputError.ts';
import type { ExploreOptions } from './exploreTypes.ts';

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

function formatDuration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/**
 * The wall-clock side of a search: `--time` (stop after so many seconds; the result says it
 * was cut short) and the estimate made after the fifth schedule, which refuses a search
 * expected to take longer than the budget unless the user accepted it.
 */
export class SearchClock {
  private readonly started = Date.now();
  private warm = 0;
  private threads = 1;
  timedOut = false;

  constructor(private readonly o: ExploreOptions) {}

  /** Whether the search must stop now (`--time` is spent). */
  outOfTime(): boolean {
    if (this.o.seconds !== undefined && Date.now() - this.started >= this.o.seconds * 1000) this.timedOut = true;
    if (this.o.stop?.() === true) this.timedOut = true;
    return this.timedOut;
  }

  /** After each counted schedule: the estimate, once, from schedules 2 to 5 (the first pays for warming up). */
  scheduled(schedules: number, maxPoints: number, runnable: readonly { runnable: readonly number[] }[]): void {
    for (const p of runnable) this.threads = Math.max(this.threads, p.runnable.length);
    if (schedules === 1) this.warm = Date.now();
    const b = this.o.budget;
    if (schedules !== 5 || b === undefined || b.accept || this.o.seconds !== undefined) return;
    const est = this.o.strategy === 'dfs' ? Math.min(this.o.runs, dfsEstimate(maxPoints, this.threads, this.o.bound)) : this.o.runs;
    const each = Math.max(1, (Date.now() - this.warm) / 4) / 1000;
    if (est * each <= b.limitSeconds) return;
    const how =
      this.o.strategy === 'dfs'
        ? `up to ${Math.round(est).toLocaleString('en')} schedules (${maxPoints} scheduling points, ${this.threads} threads, bound ${this.o.bound})`
        : `${est.toLocaleString('en')} schedules`;
    throw new InputError(
      `explore: this search would run ${how}, about ${formatDuration(est * each)} at ${(each * 1000).toFixed(0)} ms each; ` +
        'pass --accept-estimate to run it, --time SECONDS to stop after a while, or lower --bound/--runs',
    );
  }
}
