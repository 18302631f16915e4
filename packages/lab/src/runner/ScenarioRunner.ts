import { createHash, type Hash } from 'node:crypto';
import { fingerprintOf } from './fingerprint.ts';
import { DeadlockError, EVENT_KINDS, type KGen, type Kernel, type Machine, type Outcome, PluginInvariantError } from '@vmlab/core';
import type { CheckQuery, Expectation, Scenario, Step } from '../scenario/ast.ts';
import { formatExpect, matchExpectation, type MatchContext } from '../scenario/matchExpectation.ts';
import { addrPlus } from '../scenario/values.ts';
import { eventLine } from './eventLine.ts';
import { execSerialStep, execStep } from './execStep.ts';
import { type CounterSample, RunError, type RunOptions, type RunReport, type SchedulePoint, type StepReport, type ViolationReport } from './RunReport.ts';
import { runThreads } from './runThreads.ts';
import { threadDependence } from '../explore/threadFootprints.ts';

/**
 * Runs a scenario's steps on one machine (SCENARIO.md): resolves names, performs each
 * operation through the kernel, answers `check` queries, compares expectations, runs
 * `concurrent` steps as kernel threads under a schedule, and checks invariants.
 */
export class ScenarioRunner {
  private readonly saved = new Map<string, Record<string, unknown>>();
  private readonly reports: StepReport[] = [];
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
          this.finish(s, idx, out, undefined, seq);
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
    const report: Omit<RunReport, 'fingerprint'> & { fingerprint?: string } = {
      name: this.scenario.name,
      machine: this.machine.name,
      steps: this.reports,
      failures: this.reports.filter((r) => r.held === false),
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
    return { saved: this.saved, problem: this.violations.length > 0 || this.reports.some((r) => r.held === false) };
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
  private finish(s: Step, idx: number, outcome: unknown, thread?: number, seq = this.seq): void {
    const errs = this.machine.bus.takeErrors();
    if (errs.length > 0) outcome = { error: errs.map((e) => e.message).join('; ') };
    const exp = this.expectationFor(s);
    const r: StepReport = { index: idx, op: s.op, pos: s.pos, outcome, held: null };
    if (thread !== undefined) r.thread = thread;
    if (exp !== undefined) {
      const msg = matchExpectation(exp.value, outcome, this.matchContext(s));
      r.held = msg === null;
      r.expected = formatExpect(exp.value);
      if (msg !== null) r.failure = msg;
    }
    if (outcome !== null && typeof outcome === 'object' && 'error' in outcome) {
      r.held = false;
      r.failure = String((outcome as Outcome).error);
    }
    if (s.op === 'check' && s.save !== undefined && outcome !== null && typeof outcome === 'object') {
      this.saved.set(s.save, outcome as Record<string, unknown>);
    }
    this.reports.push(r);
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
