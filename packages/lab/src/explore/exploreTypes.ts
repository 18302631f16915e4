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

export type ExploreHooks = Required<Pick<RunOptions, 'chooser' | 'onSchedule' | 'onConcurrent'>> & {
  /** Resume from this snapshot (one this RunOnce handed to `atConcurrent`) instead of running from the first step. */
  from?: RunSnapshot;
  /**
   * A `concurrent` step is about to start: `take()` snapshots the run there (undefined when
   * the machine holds state a snapshot cannot record); `state()` is a digest of everything the
   * rest of the run depends on (the machine's state and the runner's saved values), undefined
   * when it cannot be had or the run already has a problem. A RunOnce without snapshots never calls it.
   */
  atConcurrent?: (take: () => RunSnapshot | undefined, state: () => string | undefined) => void;
};

/** A run's machine and runner as they were before a `concurrent` step (snapshotRun.ts). */
export interface RunSnapshot {
  /** The index of that step in the scenario's steps. */
  readonly step: number;
  /** Objects recorded. */
  readonly objects: number;
  /** Bytes of typed arrays recorded. */
  readonly bytes: number;
}

/** Runs the scenario once with these hooks: on a fresh machine, or resumed from `hooks.from`. */
export type RunOnce = (hooks: ExploreHooks) => Promise<RunReport>;

export interface ExploreOptions {
  strategy: Strategy;
  /** dfs: the preemption bound; pct: the number of priority change points (depth - 1); delay: the delays. */
  bound: number;
  seed: number;
  /** random, pct and delay: how many schedules; dfs: a cap (the search then reports it was cut short). */
  runs: number;
  /** Resume runs from machine snapshots taken before `concurrent` steps, when the RunOnce takes them (default true). */
  snapshots?: boolean;
  /** dfs: skip prefixes equivalent to one already explored (default true). */
  reduction?: boolean;
  /** dfs with the reduction: sleep sets (default true; dfs.ts). */
  sleepSets?: boolean;
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
  /**
   * Schedules not run, by technique: `equivalent` (a prefix equivalent to an explored one, found
   * before running it), `cut` (runs stopped where they met one), `state` (dfs: runs stopped at
   * the start of a later `concurrent` step whose machine state an explored run reached with at
   * least the preemptions left), `sleep` (dfs: choices not taken because their thread was in
   * the point's sleep set: an equivalent schedule within the bound was explored before).
   */
  pruned: { equivalent: number; cut: number; state?: number; sleep?: number };
  /** Explored prefix classes kept in the cache. */
  cached: number;
  /** dfs: machine states cached at the starts of later `concurrent` steps. */
  states?: number;
  /** Wall time in milliseconds. */
  ms: number;
  /**
   * Of `ms`, the time from each run's start to its first scheduling point: composing the
   * machine and running the steps before the first `concurrent` step, or restoring a snapshot.
   */
  prefixMs: number;
  /** Machine snapshots taken (before `concurrent` steps) and runs resumed from one instead of running from the first step. */
  snapshots?: { taken: number; restored: number };
}
