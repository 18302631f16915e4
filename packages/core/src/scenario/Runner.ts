import { createHash, type Hash } from 'node:crypto';
import { Access, type Inherit, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE, protToString } from '../abi/constants.ts';
import type { Outcome } from '../abi/outcome.ts';
import { EVENT_KINDS, type EventKind } from '../events/kinds.ts';
import type { DomainEvent } from '../events/DomainEvent.ts';
import type { InvariantRegistry, Violation } from '../invariants/Invariant.ts';
import type { Kernel } from '../machine/Kernel.ts';
import type { Machine } from '../machine/Machine.ts';
import type { Process, Thread } from '../proc/Process.ts';
import { type PmapContext, PmapContextToken } from '../pmap/PmapContext.ts';
import { DeadlockError, type KGen, type Wait, runSerial } from '../sched/KGen.ts';
import type { AddrExpr, CheckQuery, Expectation, Scenario, SourcePos, Step } from './ast.ts';
import { formatExpect, formatValue, matchExpectation, type MatchContext } from './matchExpectation.ts';
import { addrPlus } from './values.ts';
import { userAccessBytes } from '../machine/userAccess.ts';

/** A length argument as a number: a 64-bit value at or above 2^53 is beyond every user space (+Infinity). */
function len(v: unknown): number {
  return typeof v === 'bigint' ? Number.POSITIVE_INFINITY : (v as number);
}

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
  eventHash: string;
  eventCount: number;
  schedule: SchedulePoint[];
  /** A run that could not go on (a bad schedule, a deadlock, a plugin that broke the machine). */
  error?: string;
  /** The error is bad input (an unbound name, a schedule naming a thread that cannot run). */
  inputError?: boolean;
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
  /** Stop once the command with this sequence number has finished (replay --until). */
  stopAfterCommand?: number;
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

const PROT_BITS: Record<string, number> = { r: VM_PROT_READ, w: VM_PROT_WRITE, x: VM_PROT_EXECUTE };

/** 'rxbti' → [bits, extra]; raw PROT_* bits pass through as they are. */
export function parseProtString(s: string | number): [number, string] {
  if (typeof s === 'number') return [s, ''];
  if (s === 'none') return [0, ''];
  let bits = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const b = PROT_BITS[s[i]!];
    if (b === undefined) break;
    bits |= b;
  }
  return [bits, s.slice(i)];
}

/** Serialises an event deterministically: references become ids (a pmap's id, a thread's pid.tid). */
export function eventLine(e: DomainEvent): string {
  let s = `{"kind":"${e.kind}","cause":${e.cause}`;
  for (const [k, v] of Object.entries(e)) {
    if (k === 'kind' || k === 'cause') continue;
    let out: string;
    if (v === null || v === undefined) out = 'null';
    else if (typeof v === 'object') {
      const o = v as { id?: number; pid?: number; tid?: number };
      out = o.id !== undefined ? String(o.id) : `"${o.pid}.${o.tid}"`;
    } else out = JSON.stringify(v);
    s += `,"${k}":${out}`;
  }
  return `${s}}`;
}

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
      this.hash.update(line);
      this.hash.update('\n');
      this.eventCount++;
      opts.onEventLine?.(line);
    });
  }

  run(): RunReport {
    let error: string | undefined;
    let inputError = false;
    try {
      for (const s of this.scenario.steps) {
        if (this.stopped) break;
        if (s.op === 'concurrent') this.runConcurrent(s);
        else {
          const idx = this.stepIndex++;
          const seq = this.command(s, idx);
          let out: unknown;
          try {
            out = runSerial(this.exec(s, seq));
          } catch (e) {
            if (e instanceof RunError || e instanceof DeadlockError) throw e;
            out = { error: `internal error: ${(e as Error).message}` };
          }
          this.finish(s, idx, out, undefined, seq);
        }
      }
    } catch (e) {
      if (e instanceof RunError || e instanceof DeadlockError) {
        error = e.message;
        inputError = e instanceof RunError;
      } else throw e;
    }
    const bus = this.machine.bus;
    const events: Record<string, number> = {};
    for (const kind of EVENT_KINDS) if (bus.counts[kind] > 0) events[kind] = bus.counts[kind];
    const report: RunReport = {
      name: this.scenario.name,
      machine: this.machine.name,
      steps: this.reports,
      failures: this.reports.filter((r) => r.held === false),
      violations: this.violations,
      counters: this.countersSnapshot(),
      events,
      eventHash: this.hash.copy().digest('hex'),
      eventCount: this.eventCount,
      schedule: this.schedule,
    };
    if (error !== undefined) {
      report.error = error;
      if (inputError) report.inputError = true;
    }
    return report;
  }

  private countersSnapshot(): Record<string, number> {
    const k = this.k;
    const c = this.machine.counters.snapshot();
    let pt = 0;
    for (const p of k.procs.values()) if (!p.vmspace.dead) pt += p.vmspace.pmap.ptPages;
    c.pt_pages = pt;
    c.faults = k.bus.counts.fault;
    c.pagein = k.bus.counts.pagein;
    c.pageout = k.bus.counts.pageout;
    c.tlb_invalidate = k.bus.counts.tlb_invalidate;
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
    const sched = (s.args.schedule as number[] | undefined) ?? [];
    const n = lists.length;
    const cur: { seq: number }[] = lists.map(() => ({ seq: 0 }));
    const gens = lists.map((steps, i) => this.threadBody(steps, i, cur[i]!));
    const waits: (Wait | null)[] = lists.map(() => null);
    const done: boolean[] = lists.map(() => false);
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
    while (!this.stopped) {
      if (done.every((d) => d)) break;
      const rs = runnable();
      let pick: number;
      if (this.opts.chooser !== undefined) {
        if (rs.length === 0) throw new DeadlockError(`deadlock in concurrent step at line ${s.pos.line}: ${waits.map((w, i) => (done[i] ? `${i}: done` : `${i}: ${w?.reason}`)).join(', ')}`);
        pick = this.opts.chooser(rs, point, sched);
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
      const sp: SchedulePoint = { runnable: rs, chosen: pick, reason };
      this.schedule.push(sp);
      this.opts.onSchedule?.(sp, s);
      point++;
      this.machine.bus.cause = cur[pick]!.seq;
      const r = gens[pick]!.next();
      if (r.done === true) {
        done[pick] = true;
        waits[pick] = null;
        reason = 'done';
      } else {
        waits[pick] = r.value;
        reason = r.value.reason;
        this.checkInvariants(s, this.stepIndex - 1);
      }
    }
  }

  private *threadBody(steps: Step[], thread: number, cur: { seq: number }): KGen<void> {
    for (const s of steps) {
      if (this.stopped) return;
      const idx = this.stepIndex++;
      cur.seq = this.command(s, idx, thread);
      let out: unknown;
      try {
        out = yield* this.exec(s, cur.seq);
      } catch (e) {
        if (e instanceof RunError || e instanceof DeadlockError) throw e;
        out = { error: `internal error: ${(e as Error).message}` };
      }
      this.finish(s, idx, out, thread, cur.seq);
    }
  }

  // --- one step ------------------------------------------------------------------------

  private procOf(s: Step, key = 'pid'): Process | undefined {
    return this.k.proc(s.args[key] as number);
  }

  private threadOf(p: Process, s: Step): Thread | undefined {
    return p.thread((s.args.tid as number | undefined) ?? 0);
  }

  /**
   * A step's prot as [VM_PROT bits, MD extra]. Raw bits are the ABI's: under linux on arm64,
   * PROT_BTI (0x10) is the `bti` extra.
   */
  private prot(v: string | number): [number, string] {
    if (typeof v === 'number' && this.k.abi === 'linux' && this.k.config.arch === 'arm64' && (v & 0x10) !== 0) return [v & ~0x10, 'bti'];
    return parseProtString(v);
  }

  /** The exact 64-bit value of an address argument (a bigint at or above 2^53). */
  private addr64(p: Process, a: unknown, s: Step): number | bigint {
    const e = a as AddrExpr;
    if (e.name === undefined) return e.offset;
    const base = p.names.get(e.name);
    if (base === undefined) throw new RunError(`name '${e.name}' is not bound in pid ${p.pid}`, s.pos);
    return addrPlus(base, e.offset);
  }

  /**
   * An address argument as a number. A value at or above 2^53 lies outside every user space
   * and becomes +Infinity, so range checks refuse it as such.
   */
  private addr(p: Process, a: unknown, s: Step): number {
    const v = this.addr64(p, a, s);
    return typeof v === 'bigint' ? Number.POSITIVE_INFINITY : v;
  }

  private *exec(s: Step, _seq: number): KGen<unknown> {
    const k = this.k;
    const a = s.args;
    switch (s.op) {
      case 'spawn':
        return k.spawn(a.pid as number, a.kernel === true, a.cpu as number | undefined);
      case 'context_switch':
        return k.contextSwitch(a.cpu as number);
      case 'check':
        return this.check(s);
      case 'revoke':
        return yield* k.revoke(a.file as string, a.even_cows === true);
      case 'truncate':
        return k.truncate(a.file as string, a.size as number);
      case 'pageout':
        return yield* this.pageout(s);
      case 'release':
        return k.release(a.holder as string);
      default:
        break;
    }
    const p = this.procOf(s);
    if (p === undefined) return k.errno('ESRCH');
    switch (s.op) {
      case 'wait':
        return k.wait(p);
      case 'hold':
        return k.hold(p, a.holder as string);
      case 'swapout':
        return yield* k.swapout(p);
      case 'peek':
      case 'poke': {
        const by = typeof a.by === 'number' ? k.proc(a.by) : undefined;
        if (typeof a.by === 'number' && by === undefined) return k.errno('ESRCH');
        if (p.state === 'zombie') return k.errno('EFAULT');
        return yield* k.debugAccess(p, this.addr(p, a.addr, s), s.op === 'poke', a.value as number | undefined);
      }
      case 'wrpkru':
        if (typeof a.by === 'number' && k.proc(a.by) === undefined) return k.errno('ESRCH');
        break;
      default:
        break;
    }
    if (p.state !== 'running') return k.errno('ESRCH');
    if (s.op === 'thread') {
      // The creating thread is `by`; `tid` names the new one.
      const by = p.thread((a.by as number | undefined) ?? 0);
      if (by === undefined) return k.errno('ESRCH');
      return k.thread(p, a.tid as number, by, a.cpu as number | undefined);
    }
    const t = this.threadOf(p, s);
    if (t === undefined) return k.errno('ESRCH');
    const tlb = this.machine.container.get<PmapContext>(PmapContextToken).tlb;
    if (tlb !== null) tlb.curCpu = t.cpu;
    switch (s.op) {
      case 'thread_exit':
        return k.threadExit(p, t);
      case 'mmap': {
        const [prot, extra] = this.prot(a.prot as string | number);
        const out = k.mmap(p, {
          ...(a.addr !== undefined ? { addr: this.addr64(p, a.addr, s) } : {}),
          len: a.len as number | bigint,
          prot,
          protExtra: extra,
          flags: a.flags as string[] | number,
          thread: t,
          ...(a.file !== undefined ? { file: a.file as string } : {}),
          ...(a.offset !== undefined ? { offset: a.offset as number | bigint } : {}),
        });
        if (out.ok === true && typeof a.as === 'string' && out.addr !== undefined) p.names.set(a.as, Number(out.addr));
        return out;
      }
      case 'munmap':
        return k.munmap(p, this.addr64(p, a.addr, s), a.len as number | bigint);
      case 'mprotect': {
        const [prot, extra] = this.prot(a.prot as string | number);
        return k.mprotect(p, this.addr(p, a.addr, s), len(a.len), prot, extra, t);
      }
      case 'minherit':
        return k.minherit(p, this.addr(p, a.addr, s), len(a.len), a.inherit as Inherit);
      case 'mlock':
        return yield* k.mlock(p, t, this.addr(p, a.addr, s), len(a.len));
      case 'munlock':
        return k.munlock(p, this.addr(p, a.addr, s), len(a.len));
      case 'msync':
        return k.msync(p, this.addr(p, a.addr, s), len(a.len), (a.flags as string[] | number | undefined) ?? []);
      case 'madvise':
        return yield* k.madvise(p, t, this.addr(p, a.addr, s), len(a.len), a.advice as string);
      case 'mremap': {
        const fl = a.flags as string[] | number | undefined;
        const bits = typeof fl === 'number' ? fl : (fl ?? []).reduce((b, f) => b | ({ maymove: 1, fixed: 2, dontunmap: 4 } as Record<string, number>)[f]!, 0);
        const out = k.mremap(p, {
          addr: this.addr(p, a.addr, s),
          oldLen: len(a.old_len),
          newLen: len(a.new_len),
          flags: bits,
          ...(a.new_addr !== undefined ? { newAddr: this.addr(p, a.new_addr, s) } : {}),
        });
        if (out.ok === true && typeof a.as === 'string' && out.addr !== undefined) p.names.set(a.as, Number(out.addr));
        return out;
      }
      case 'mimmutable':
        return k.mimmutable(p, this.addr(p, a.addr, s), len(a.len));
      case 'mseal':
        return k.mseal(p, this.addr(p, a.addr, s), len(a.len), (a.flags as number | undefined) ?? 0);
      case 'read':
      case 'write': {
        const va = this.addr64(p, a.addr, s);
        const size = (a.size as number | undefined) ?? 4;
        const write = s.op === 'write';
        // An aligned word in one page: the word path (its fast translation and events).
        if (size === 4 && typeof va === 'number' && va % 4 === 0) {
          return yield* k.accessStep(p, t, va, write ? Access.Write : Access.Read, write ? Number(a.value) : undefined);
        }
        return yield* userAccessBytes(k, p, t, va, size, write, a.value as number | bigint | undefined);
      }
      case 'fetch':
        return yield* k.accessStep(p, t, this.addr(p, a.addr, s), Access.Execute, undefined, (a.branch as 'direct' | 'call' | 'jump' | undefined) ?? 'direct');
      case 'copyin':
        return yield* k.copy(p, t, this.addr(p, a.addr, s), false);
      case 'copyout':
        return yield* k.copy(p, t, this.addr(p, a.addr, s), true, a.value as number | undefined);
      case 'fork':
        return yield* k.fork(p, t, a.child as number);
      case 'execve':
        return k.execve(p, t);
      case 'exit':
        return yield* k.exit(p, t);
      case 'sysarch':
      case 'pkey_set':
      case 'wrpkru':
      case 'pkey_alloc':
      case 'pkey_free':
      case 'pkey_mprotect': {
        const md: Record<string, unknown> = { ...a };
        if (a.addr !== undefined) md.addr = this.addr(p, a.addr, s);
        if (typeof a.prot === 'string') {
          const [prot, extra] = this.prot(a.prot);
          md.prot = prot;
          md.protExtra = extra;
        }
        if (s.op === 'wrpkru' && typeof a.by === 'number') md.byProcess = k.proc(a.by);
        return k.mdSyscall(p, t, s.op, md);
      }
      default:
        throw new RunError(`operation '${s.op}' is not supported by this machine`, s.pos);
    }
  }

  private *pageout(s: Step): KGen<unknown> {
    const k = this.k;
    const a = s.args;
    if (a.pid !== undefined) {
      const p = this.procOf(s);
      if (p === undefined) return k.errno('ESRCH');
      if (a.addr !== undefined) return yield* k.pageout({ p, start: this.addr(p, a.addr, s), len: a.len as number });
      return yield* k.pageout({ p, pages: a.pages as number | undefined });
    }
    return yield* k.pageout({ pages: a.pages as number | undefined });
  }

  // --- check ------------------------------------------------------------------------------

  private check(s: Step): unknown {
    const out: Record<string, unknown> = {};
    for (const q of s.args.queries as CheckQuery[]) {
      const v = this.query(q, s);
      if (v === ESRCH) return { errno: 'ESRCH' };
      out[q.query] = v;
    }
    return out;
  }

  private query(q: CheckQuery, s: Step): unknown {
    const k = this.k;
    const a = q.args;
    switch (q.query) {
      case 'swap_used':
        return k.anonPager.used?.() ?? 0;
      case 'free_pages':
        return k.mem.freeCount;
      case 'events': {
        const kind = a.kind as string;
        if (!(EVENT_KINDS as readonly string[]).includes(kind)) throw new RunError(`unknown event kind '${kind}'; kinds: ${EVENT_KINDS.join(', ')}`, q.pos);
        return k.bus.counts[kind as EventKind];
      }
      default:
        break;
    }
    const p = k.proc(a.pid as number);
    if (p === undefined) return ESRCH;
    const vms = p.vmspace;
    const va = a.addr !== undefined ? this.addr(p, a.addr, s) : 0;
    switch (q.query) {
      case 'rss':
        return vms.dead ? 0 : vms.pmap.residentCount;
      case 'footprint':
        return k.footprint(p);
      case 'reusable':
        return k.reusableCount(p);
      case 'resident':
        return !vms.dead && vms.pmap.extract(va) >= 0;
      case 'mapped':
        return vms.map.entryAt(va) !== undefined;
      case 'entry': {
        const e = vms.map.entryAt(va);
        if (e === undefined) return 'none';
        return {
          start: e.start,
          end: e.end,
          prot: protToString(e.prot) + k.entryProtExtra(e),
          maxprot: protToString(e.maxprot),
          inherit: e.inherit,
          shared: e.shared,
          wired: e.wiredCount > 0,
          revoked: e.revoked,
        };
      }
      case 'pte': {
        const t = vms.dead ? undefined : vms.pmap.pte(va - (va % PAGE_SIZE));
        return t === undefined ? 'none' : { ...t };
      }
      case 'object': {
        const r = k.objectAt(p, va);
        return r === undefined ? 'none' : { id: r.object.id, depth: r.depth, refs: r.object.refCount };
      }
      case 'vmspace_refs':
        return vms.refs;
      case 'map_entries':
        return vms.map.size;
      case 'pkey':
      case 'guarded':
      case 'pkru':
        return k.mdQuery(p, q.query, { ...a, addr: va });
      default:
        throw new RunError(`unknown query '${q.query}'`, q.pos);
    }
  }
}

const ESRCH = Symbol('ESRCH');

export { formatValue };
