/** What a scenario run reports, and the options and hooks of a run. */
import type { InvariantRegistry, Violation } from '@vmlab/core';
import type { SourcePos, Step } from '../scenario/ast.ts';

/** One executed step: what happened and whether its expectation held. */
export interface StepReport {
  index: number;
  op: string;
  pos: SourcePos;
  /** Which `concurrent` thread ran it, if any. */
  thread?: number;
  outcome: unknown;
  /** null when the step had no expectation. */
  held: boolean | null;
  expected?: string;
  failure?: string;
}

export interface ViolationReport extends Violation {
  /** The step after which it was found. */
  step: number;
  pos: SourcePos;
}

/** A scheduling decision inside a `concurrent` step (explore records and replays these). */
export interface SchedulePoint {
  /** The runnable threads at this point. */
  runnable: number[];
  /** The thread chosen. */
  chosen: number;
  /** Why the previous thread stopped (its yield reason, `start`, or `done`). */
  reason: string;
}

export interface RunReport {
  name: string;
  machine: string;
  steps: StepReport[];
  failures: StepReport[];
  violations: ViolationReport[];
  counters: Record<string, number>;
  events: Record<string, number>;
  /** sha256 of the machine-independent domain event log (what replay compares). */
  eventHash: string;
  eventCount: number;
  /** sha256 of the whole run: the event log's hash, each step's outcome, the counters, violations and error (runner/fingerprint.ts). */
  fingerprint: string;
  schedule: SchedulePoint[];
  /** A run that could not go on (a bad schedule, a deadlock, a plugin that broke the machine). */
  error?: string;
  /** The error is bad input (an unbound name, a schedule naming a thread that cannot run). */
  inputError?: boolean;
  /** With `sampleEvery`: the counters after every N top-level steps and at the end (counters over time). */
  series?: CounterSample[];
}

/** The counters after `steps` top-level steps. */
export interface CounterSample {
  steps: number;
  counters: Record<string, number>;
}

/** The command log's line for each command. */
export interface CommandRecord {
  seq: number;
  step: number;
  op: string;
  thread?: number;
  line: number;
}

export interface RunOptions {
  /** Check invariants after every step (and every scheduling point). */
  check?: boolean;
  invariants?: InvariantRegistry;
  /** Stop at the first invariant violation (explore). */
  stopOnViolation?: boolean;
  /** Chooses the thread at a scheduling point (explore); default: the schedule, then lowest first. */
  chooser?: (runnable: number[], point: number, schedule: readonly number[]) => number;
  /** Receives every domain event serialised (the event log). */
  onEventLine?: (line: string) => void;
  /** Receives every command (with the normalised step it performs). */
  onCommand?: (c: CommandRecord, step: Step) => void;
  /** Receives every scheduling decision of a `concurrent` step, as it is taken. */
  onSchedule?: (p: SchedulePoint, step: Step) => void;
  /**
   * A `concurrent` step is about to run its threads: which pairs may not commute (explore's
   * reduction; threadDependence in explore/threadFootprints.ts).
   */
  onConcurrent?: (dependence: boolean[][], step: Step) => void;
  /**
   * The `concurrent` step at index `step` of the scenario's steps is about to start, with no
   * kernel thread in flight (explore snapshots the machine here: explore/snapshotRun.ts).
   */
  beforeConcurrent?: (step: number) => void;
  /** A command has finished (its outcome recorded, invariants checked): the state `replay --until seq` shows. */
  afterCommand?: (seq: number) => void;
  /** Stop once the command with this sequence number has finished (replay --until). */
  stopAfterCommand?: number;
  /** Record the counters after every N top-level steps (`series`; compare's counters over time). */
  sampleEvery?: number;
}

/** A step could not be performed as written (an unbound name, a bad schedule): the run stops. */
export class RunError extends Error {
  constructor(
    message: string,
    readonly pos: SourcePos,
  ) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${message}`);
  }
}
