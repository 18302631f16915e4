/** The explorer's options, results and hooks (explore.ts runs it). */
import type { RunOptions, RunReport } from '../runner/RunReport.ts';

export type Strategy = 'dfs' | 'random' | 'pct' | 'delay';

export const STRATEGIES: readonly Strategy[] = ['dfs', 'random', 'pct', 'delay'];

export interface ExplorePoint {
  runnable: number[];
  chosen: number;
  /** The `concurrent` step this point belongs to: its ordinal among those that ran and its line. */
  segment: number;
  line: number;
}

export type ExploreHooks = Required<Pick<RunOptions, 'chooser' | 'onSchedule' | 'onConcurrent'>>;

/** Runs the scenario once on a fresh machine with these hooks. */
export type RunOnce = (hooks: ExploreHooks) => Promise<RunReport>;

export interface ExploreOptions {
  strategy: Strategy;
  /** dfs: the preemption bound; pct: the number of priority change points (depth - 1); delay: the delays. */
  bound: number;
  seed: number;
  /** random, pct and delay: how many schedules; dfs: a cap (the search then reports it was cut short). */
  runs: number;
  /** dfs: skip prefixes equivalent to one already explored (default true). */
  reduction?: boolean;
  /** This run's part of a campaign split in `count` shards (default 0 of 1). */
  shard?: { index: number; count: number };
  /** Called after every schedule (a progress bar). */
  onProgress?: (schedules: number) => void;
  /** Stop after this many seconds of wall time (the result then says it was cut short). */
  seconds?: number;
  /** Asked between schedules (Ctrl-C): true stops the search there, cut short as by `seconds`. */
  stop?: () => boolean;
  /**
   * Refuse a search estimated (after its fifth schedule) to take longer than `limitSeconds`,
   * unless `accept`; the message gives the estimate and the flags.
   */
  budget?: { limitSeconds: number; accept: boolean };
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
  stats: ExploreStats;
}

/** What the search cost and what it saved. */
export interface ExploreStats {
  /** Machine runs started (schedules plus runs cut at an equivalent prefix). */
  runs: number;
  /** Scheduling points taken over all runs. */
  points: number;
  /** Schedules not run, by technique: `equivalent` (a prefix equivalent to an explored one, found before running it), `cut` (runs stopped where they met one). */
  pruned: { equivalent: number; cut: number };
  /** Explored prefix classes kept in the cache. */
  cached: number;
  /** Wall time in milliseconds. */
  ms: number;
  /**
   * Of `ms`, the time spent re-running prefixes: composing the machine and the steps before
   * the first `concurrent` step, once per run (there is no snapshot of the machine yet).
   */
  prefixMs: number;
}
