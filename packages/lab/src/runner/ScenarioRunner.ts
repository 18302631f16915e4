import { createHash, type Hash } from 'node:crypto';
import { fingerprintOf } from './fingerprint.ts';
import { DeadlockError, EVENT_KINDS, type KGen, type Kernel, type Machine, OK, type Outcome, PluginInvariantError } from '@vmlab/core';
import type { CheckQuery, Expectation, Scenario, Step } from '../scenario/ast.ts';
import { formatExpect, matchExpectation, type MatchContext } from '../scenario/matchExpectation.ts';
import { addrPlus } from '../scenario/values.ts';
import { eventLine } from './eventLine.ts';
import { execSerialStep, execStep } from './execStep.ts';
import { type CounterSample, RunError, type RunOptions, type RunReport, type SchedulePoint, type StepReport, type ViolationReport } from './RunReport.ts';
import { runThreads } from './runThreads.ts';
import { threadDependence } from '../explore/threadFootprints.ts';

/** What a step's report has besides its index, op, position and outcome (held null when none). */
interface StepMark {
  thread?: number;
  held: boolean | null;
  expected?: string;
  failure?: string;
}

const OUT_OTHER = 0;
const OUT_OK = 1;
const OUT_VALUE = 2;

/**
 * The steps a runner has finished, by position in the order they finished, in typed arrays
 * (nothing on the JS heap per step): the step's index; its place in the scenario's steps
 * (-1 for a `concurrent` thread's step, kept in `steps`); its outcome as a kind (OK, a word
 * read's `{ value }` with the value in `values`, or anything else, kept in `outcomes`); and,
 * for the few that have any, its thread, expectation and failure in `marks`.
 */
interface StepColumns {
  n: number;
  index: Int32Array;
  at: Int32Array;
  kind: Uint8Array;
  values: Float64Array;
  steps: Map<number, Step>;
  outcomes: Map<number, unknown>;
  marks: Map<number, StepMark>;
}

function newColumns(cap = 64): StepColumns {
  return {
    n: 0,
    index: new Int32Array(cap),
    at: new Int32Array(cap),
    kind: new Uint8Array(cap),
    values: new Float64Array(cap),
    steps: new Map(),
    outcomes: new Map(),
    marks: new Map(),
  };
}

function copyColumns(c: StepColumns): StepColumns {
  return {
    n: c.n,
    index: c.index.slice(0, c.n),
    at: c.at.slice(0, c.n),
    kind: c.kind.slice(0, c.n),
    values: c.values.slice(0, c.n),
    steps: new Map(c.steps),
    outcomes: new Map(c.outcomes),
    marks: new Map(c.marks),
  };
}

/** The value of an outcome that is exactly `{ value: <number> }` (a word read), else undefined. */
function wordValue(o: unknown): number | undefined {
  if (typeof o !== 'object' || o === null || Object.getPrototypeOf(o) !== Object.prototype) return undefined;
  let keys = 0;
  for (const key in o) {
    if (key !== 'value') return undefined;
    keys++;
  }
  const v = (o as { value?: unknown }).value;
  return keys === 1 && typeof v === 'number' ? v : undefined;
}

/** Appends a finished step to `c` (or to a grown copy, returned). */
function record(c: StepColumns, index: number, s: Step, at: number, outcome: unknown, mark: StepMark | undefined): StepColumns {
  if (c.n === c.index.length) {
    const g = newColumns(c.n * 2);
    g.index.set(c.index);
    g.at.set(c.at);
    g.kind.set(c.kind);
    g.values.set(c.values);
    g.n = c.n;
    g.steps = c.steps;
    g.outcomes = c.outcomes;
    g.marks = c.marks;
    c = g;
  }
  const i = c.n++;
  c.index[i] = index;
  c.at[i] = at;
  if (at < 0) c.steps.set(i, s);
  if (outcome === OK) c.kind[i] = OUT_OK;
  else {
    const v = wordValue(outcome);
    if (v !== undefined) {
      c.kind[i] = OUT_VALUE;
      c.values[i] = v;
    } else {
      c.kind[i] = OUT_OTHER;
      c.outcomes.set(i, outcome);
    }
  }
  if (mark !== undefined) c.marks.set(i, mark);
  return c;
}

/** The StepReports of a run (the fields in the order the runner always gave them). */
function stepReports(c: StepColumns, scenarioSteps: readonly Step[]): StepReport[] {
  const out: StepReport[] = new Array(c.n);
  for (let i = 0; i < c.n; i++) {
    const at = c.at[i]!;
    const s = at >= 0 ? scenarioSteps[at]! : c.steps.get(i)!;
    const k = c.kind[i];
    const outcome = k === OUT_OK ? OK : k === OUT_VALUE ? { value: c.values[i] } : c.outcomes.get(i);
    const m = c.marks.get(i);
    const r: StepReport = { index: c.index[i]!, op: s.op, pos: s.pos, outcome, held: m === undefined ? null : m.held };
    if (m !== undefined) {
      if (m.thread !== undefined) r.thread = m.thread;
      if (m.expected !== undefined) r.expected = m.expected;
      if (m.failure !== undefined) r.failure = m.failure;
    }
    out[i] = r;
  }
  return out;
}

/**
 * Runs a scenario's steps on one machine (SCENARIO.md): resolves names, performs each
 * operation through the kernel, answers `check` queries, compares expectations, runs
 * `concurrent` steps as kernel threads under a schedule, and checks invariants.
 */
export class ScenarioRunner {
  private readonly saved = new Map<string, Record<string, unknown>>();
  /**
   * The steps run, in the order they finished (StepColumns). The report's StepReports are
   * made from them when `steps` is first read: a replay of a long log never reads them, and
   * keeping an object per step (and each read's outcome) cost it most of its time (bench/run.ts
   * header).
   */
  private cols: StepColumns = newColumns();
  /** Steps whose expectation failed or whose outcome is an error (held === false). */
  private failedSteps = 0;
  private readonly violations: ViolationReport[] = [];
  private readonly schedule: SchedulePoint[] = [];
  private readonly seen = new Set<string>();
  private seq = 0;
  private stepIndex = 0;
  private readonly hash: Hash = createHash('sha256');
  private eventCount = 0;
  /** Event lines not yet handed to the hash. */
  private pending = '';
  private stopped = false;
  readonly k: Kernel;

  constructor(
    readonly machine: Machine,
    readonly scenario: Scenario,
    readonly opts: RunOptions = {},
  ) {
    this.k = machine.kernel;
    machine.bus.onAny('event log', (e) => {
      const line = eventLine(e);
      // Hashed in chunks (the same digest as one update per line, at a fraction of the calls).
      this.pending += `${line}\n`;
      if (this.pending.length >= 65536) this.flushHash();
      this.eventCount++;
      opts.onEventLine?.(line);
    });
  }

  /**
   * Runs the steps from the first, or from step `from` (explore resumes a machine restored to
   * its state before that step: snapshotRun.ts).
   */
  run(from = 0): RunReport {
    let error: string | undefined;
    let inputError = false;
    const every = this.opts.sampleEvery;
    const series: CounterSample[] | undefined = every !== undefined && every > 0 ? [{ steps: 0, counters: this.countersSnapshot() }] : undefined;
    let done = from;
    try {
      for (let i = from; i < this.scenario.steps.length; i++) {
        const s = this.scenario.steps[i]!;
        if (this.stopped) break;
        if (series !== undefined && done > 0 && done % every! === 0) series.push({ steps: done, counters: this.countersSnapshot() });
        done++;
        if (s.op === 'concurrent') {
          this.opts.beforeConcurrent?.(i);
          this.runConcurrent(s);
        } else {
          const idx = this.stepIndex++;
          const seq = this.command(s, idx);
          let out: unknown;
          try {
            out = execSerialStep(this.machine, s);
          } catch (e) {
            if (e instanceof RunError || e instanceof DeadlockError) throw e;
            out = { error: `internal error: ${(e as Error).message}` };
          }
          this.finish(s, idx, out, undefined, seq, i);
        }
      }
    } catch (e) {
      if (e instanceof RunError || e instanceof DeadlockError || e instanceof PluginInvariantError) {
        error = e.message;
        inputError = !(e instanceof DeadlockError);
      } else throw e;
    }
    const bus = this.machine.bus;
    const events: Record<string, number> = {};
    const counts = bus.counts; // a getter that builds the record: read once
    for (const kind of EVENT_KINDS) if (counts[kind] > 0) events[kind] = counts[kind];
    // The columns as they are now (a runner resumed from a snapshot goes on writing its own).
    const cols = copyColumns(this.cols);
    const stepList = this.scenario.steps;
    const report: Omit<RunReport, 'fingerprint'> & { fingerprint?: string } = {
      name: this.scenario.name,
      machine: this.machine.name,
      steps: [],
      failures: [],
      violations: this.violations,
      counters: this.countersSnapshot(),
      events,
      eventHash: this.flushHash().copy().digest('hex'),
      eventCount: this.eventCount,
      schedule: this.schedule,
    };
    if (series !== undefined && series[series.length - 1]!.steps !== done) series.push({ steps: done, counters: report.counters });
    if (series !== undefined) report.series = series;
    if (error !== undefined) {
      report.error = error;
      if (inputError) report.inputError = true;
    }
    // StepReports are made when `steps` or `failures` is first read, then kept. The properties
    // stay where the literal put them (redefining keeps a key's place), enumerable, so JSON and
    // spreads carry them.
    let steps: StepReport[] | undefined;
    let failures: StepReport[] | undefined;
    const allSteps = (): StepReport[] => {
      steps ??= stepReports(cols, stepList);
      return steps;
    };
    Object.defineProperty(report, 'steps', {
      enumerable: true,
      configurable: true,
      get: allSteps,
      set: (v: StepReport[]) => {
        steps = v;
      },
    });
    Object.defineProperty(report, 'failures', {
      enumerable: true,
      configurable: true,
      get: () => {
        failures ??= allSteps().filter((r) => r.held === false);
        return failures;
      },
      set: (v: StepReport[]) => {
        failures = v;
      },
    });
    // The fingerprint hashes every step's outcome: made when first read, then kept (a replay,
    // which compares event logs, never reads it). Enumerable, so JSON and spreads carry it.
    let fingerprint: string | undefined;
    Object.defineProperty(report, 'fingerprint', {
      enumerable: true,
      configurable: true,
      get: () => {
        fingerprint ??= fingerprintOf(report);
        return fingerprint;
      },
      set: (v: string) => {
        fingerprint = v;
      },
    });
    return report as RunReport;
  }

  /**
   * What the rest of a run depends on besides the machine (explore's state cache): the values
   * `check ... save:` kept, and whether the run already has a problem (a failed expectation or
   * a violation it will report whatever comes next).
   */
  carried(): { saved: ReadonlyMap<string, Record<string, unknown>>; problem: boolean } {
    return { saved: this.saved, problem: this.violations.length > 0 || this.failedSteps > 0 };
  }

  private flushHash(): Hash {
    if (this.pending.length > 0) {
      this.hash.update(this.pending);
      this.pending = '';
    }
    return this.hash;
  }

  private countersSnapshot(): Record<string, number> {
    const k = this.k;
    const c = this.machine.counters.snapshot();
    let pt = 0;
    for (const p of k.procs.values()) if (!p.vmspace.dead) pt += p.vmspace.pmap.ptPages;
    c.pt_pages = pt;
    const counts = k.bus.counts;
    c.faults = counts.fault;
    c.pagein = counts.pagein;
    c.pageout = counts.pageout;
    c.tlb_invalidate = counts.tlb_invalidate;
    return c;
  }

  private command(s: Step, idx: number, thread?: number): number {
    const seq = ++this.seq;
    this.machine.bus.cause = seq;
    this.opts.onCommand?.({ seq, step: idx, op: s.op, line: s.pos.line, ...(thread !== undefined ? { thread } : {}) }, s);
    return seq;
  }

  /** Records a step's outcome, compares its expectation, checks invariants. */
  private finish(s: Step, idx: number, outcome: unknown, thread: number | undefined, seq: number, at = -1): void {
    const errs = this.machine.bus.takeErrors();
    if (errs.length > 0) outcome = { error: errs.map((e) => e.message).join('; ') };
    const exp = this.expectationFor(s);
    let mark: StepMark | undefined;
    if (thread !== undefined) mark = { held: null, thread };
    if (exp !== undefined) {
      const msg = matchExpectation(exp.value, outcome, this.matchContext(s));
      mark ??= { held: null };
      mark.held = msg === null;
      mark.expected = formatExpect(exp.value);
      if (msg !== null) mark.failure = msg;
    }
    if (outcome !== null && typeof outcome === 'object' && 'error' in outcome) {
      mark ??= { held: null };
      mark.held = false;
      mark.failure = String((outcome as Outcome).error);
    }
    if (s.op === 'check' && s.save !== undefined && outcome !== null && typeof outcome === 'object') {
      this.saved.set(s.save, outcome as Record<string, unknown>);
    }
    if (mark !== undefined && mark.held === false) this.failedSteps++;
    this.cols = record(this.cols, idx, s, at, outcome, mark);
    this.checkInvariants(s, idx);
    this.opts.afterCommand?.(seq);
    if (this.opts.stopAfterCommand !== undefined && seq === this.opts.stopAfterCommand) this.stopped = true;
  }

  private checkInvariants(s: Step, idx: number): void {
    if (this.opts.check !== true || this.opts.invariants === undefined) return;
    for (const v of this.opts.invariants.check(this.machine)) {
      const key = `${v.invariant}:${v.message}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.violations.push({ ...v, step: idx, pos: s.pos });
      if (this.opts.stopOnViolation === true) this.stopped = true;
    }
  }

  private expectationFor(s: Step): Expectation | undefined {
    return s.expectOn?.[this.machine.name] ?? s.expect;
  }

  private matchContext(s: Step): MatchContext {
    let pid = typeof s.args.pid === 'number' ? s.args.pid : undefined;
    if (pid === undefined && s.op === 'check') {
      for (const q of s.args.queries as CheckQuery[]) if (typeof q.args.pid === 'number') pid = q.args.pid;
    }
    return {
      resolveAddr: (a) => {
        if (a.name === undefined) return a.offset;
        const p = pid !== undefined ? this.k.procs.get(pid) : undefined;
        const base = p?.names.get(a.name);
        return base === undefined ? undefined : addrPlus(base, a.offset);
      },
      errnoValue: (n) => this.k.errnoValue(n),
      saved: (n) => this.saved.get(n),
    };
  }

  // --- concurrent steps ----------------------------------------------------------------

  private runConcurrent(s: Step): void {
    const lists = s.args.threads as Step[][];
    const cur: { seq: number }[] = lists.map(() => ({ seq: 0 }));
    const gens = lists.map((steps, i) => this.threadBody(steps, i, cur[i]!));
    if (this.opts.onConcurrent !== undefined) this.opts.onConcurrent(threadDependence(this.k, lists), s);
    runThreads(gens, s, {
      stopped: () => this.stopped,
      ...(this.opts.chooser !== undefined ? { chooser: this.opts.chooser } : {}),
      onPoint: (sp) => {
        this.schedule.push(sp);
        this.opts.onSchedule?.(sp, s);
      },
      resume: (i) => {
        this.machine.bus.cause = cur[i]!.seq;
      },
      afterYield: () => this.checkInvariants(s, this.stepIndex - 1),
    });
  }

  private *threadBody(steps: Step[], thread: number, cur: { seq: number }): KGen<void> {
    for (const s of steps) {
      if (this.stopped) return;
      const idx = this.stepIndex++;
      cur.seq = this.command(s, idx, thread);
      let out: unknown;
      try {
        out = yield* execStep(this.machine, s);
      } catch (e) {
        if (e instanceof RunError || e instanceof DeadlockError) throw e;
        out = { error: `internal error: ${(e as Error).message}` };
      }
      this.finish(s, idx, out, thread, cur.seq);
    }
  }
}
