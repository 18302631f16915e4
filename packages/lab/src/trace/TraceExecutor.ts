import { Access, MD_FAULT, NEEDS_FAULT, runSerial } from '@vmlab/core';
import type { KGen, Kernel, Machine, Outcome, Process, Thread } from '@vmlab/core';
import type { TraceFigures } from './TraceFigures.ts';
import type { TraceOp, TracePos, TraceSink, TraceWarning } from './TraceOp.ts';
import { replayOp } from './replayOp.ts';

/** A traced process on the machine, with the thread its accesses are charged to. */
export interface ExecProc {
  pid: number;
  p: Process;
  t: Thread;
}

const MAX_EXAMPLES = 5;

function isGen<T>(x: unknown): x is KGen<T> {
  return typeof x === 'object' && x !== null && typeof (x as KGen<T>).next === 'function';
}

/** Drive a kernel path that may sleep to its end (a trace is one serial run). */
export function settle<T>(r: T | KGen<T>): T {
  return isGen<T>(r) ? runSerial(r) : r;
}

/**
 * Runs a trace on a composed machine through the kernel's system-call front: each operation the reader
 * hands on becomes the system call it recorded (addresses and lengths as recorded; mmap at the recorded
 * address with MAP_FIXED), and each access record a user access by the process's first thread. The access
 * path tries the translation first (the TLB-hit path, no call into the VM) and enters the fault path only
 * when it is missing; each fault is classified by what it did (zero fill, copy-on-write, page-in, soft,
 * or the signal it became).
 */
export class TraceExecutor implements TraceSink {
  readonly kernel: Kernel;
  private readonly procs = new Map<number, ExecProc>();
  private last: ExecProc | undefined;
  readonly warnings: TraceWarning[] = [];
  readonly figures: TraceFigures;
  private pagesIn = 0;
  private readonly subs: { unsubscribe(): void }[] = [];
  private pagesOut = 0;
  /** Files made for file-backed mappings, by name. */
  readonly files = new Set<string>();
  /** Per process: the trace's protection keys → the keys this machine allocated for them. */
  readonly pkeys = new Map<number, Map<number, number>>();
  /** The process (pid) an unknown-pid access was reported for, so it is reported once. */
  private readonly unknownPids = new Set<number>();

  constructor(readonly machine: Machine) {
    this.kernel = machine.kernel;
    this.figures = {
      machine: machine.name,
      arch: machine.spec.arch,
      syscalls: {},
      notReplayed: {},
      refused: {},
      firstRefused: [],
      accesses: 0,
      records: 0,
      tlbHits: 0,
      faults: { total: 0, zeroFill: 0, cow: 0, pageIn: 0, soft: 0, protection: 0, keyGuard: 0, unmapped: 0 },
      firstSignals: [],
      pagesIn: 0,
      pagesOut: 0,
      tlbInvalidations: 0,
      ipis: 0,
      broadcasts: 0,
      peakRssPages: 0,
      implicit: { text: 0, data: 0, stack: 0 },
      warnings: 0,
      wallMs: 0,
      accessesPerSec: 0,
      counters: {},
    };
    const bus = machine.bus;
    this.subs.push(
      bus.on('pagein', 'trace', (e) => {
        this.pagesIn += e.count;
      }),
      bus.on('pageout', 'trace', (e) => {
        this.pagesOut += e.count;
      }),
    );
  }

  /** Stop listening to the machine (a scenario step's executor goes; the machine stays). */
  dispose(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs.length = 0;
  }

  proc(pid: number): ExecProc | undefined {
    return this.procs.get(pid);
  }

  setProc(pid: number, e: ExecProc | undefined): void {
    if (e === undefined) this.procs.delete(pid);
    else this.procs.set(pid, e);
    this.last = undefined;
  }

  /** The hot path: the translation first; the VM only on a miss. */
  access(pid: number, va: number, k: number, tid?: number): void {
    let c = this.last;
    if (c === undefined || c.pid !== pid) {
      c = this.procs.get(pid);
      if (c === undefined) {
        if (!this.unknownPids.has(pid)) {
          this.unknownPids.add(pid);
          this.warn({ file: '?', line: 0, message: `accesses of pid ${pid}, which is not running, are skipped` });
        }
        return;
      }
      this.last = c;
    }
    this.figures.records++;
    const acc = k & 4 ? Access.Execute : k & 2 ? Access.Write : Access.Read;
    const t = tid === undefined ? c.t : (c.p.thread(tid) ?? c.t);
    const branch = k & 8 ? 'jump' : undefined;
    const f = c.p.vmspace.pmap.translate(va, acc, t, branch);
    if (f >= 0) {
      this.figures.tlbHits++;
      return;
    }
    this.fault(c, t, va, acc, f, branch);
  }

  /** A missing translation: the fault path, classified by what it did. */
  private fault(c: ExecProc, t: Thread, va: number, acc: number, f: number, branch: 'jump' | undefined): void {
    const k = this.kernel;
    const fig = this.figures;
    const cow0 = k.counters.cowCopies;
    const pin0 = this.pagesIn;
    const zf0 = k.counters.zeroFills;
    const faults0 = k.counters.faultsResolved;
    const r = settle<number | Outcome>(k.access(c.p, t, va, acc, branch, 0, f === NEEDS_FAULT));
    const used = k.mem.npages - k.mem.freeCount;
    if (used > fig.peakRssPages) fig.peakRssPages = used;
    if (typeof r === 'number') {
      if (k.counters.faultsResolved === faults0) return;
      fig.faults.total++;
      if (k.counters.cowCopies !== cow0) fig.faults.cow++;
      else if (this.pagesIn !== pin0) fig.faults.pageIn++;
      else if (k.counters.zeroFills !== zf0) fig.faults.zeroFill++;
      else fig.faults.soft++;
      return;
    }
    fig.faults.total++;
    const s = r as { signal?: string; code?: string; error?: string };
    // SEGV_PKUERR: a protection key denied it; SIGILL: an indirect branch missed a landing pad (BTI)
    if (f === MD_FAULT || s.code === 'SEGV_PKUERR' || s.signal === 'SIGILL') fig.faults.keyGuard++;
    else if (s.code === 'SEGV_ACCERR') fig.faults.protection++;
    else fig.faults.unmapped++;
    if (fig.firstSignals.length < MAX_EXAMPLES)
      fig.firstSignals.push(`pid ${c.pid} ${accName(acc)} 0x${va.toString(16)}: ${s.signal ?? s.error} ${s.code ?? ''}`.trim());
  }

  op(op: TraceOp): void {
    const fig = this.figures;
    if (op.op === 'implicit_map' && !op.upgrade) fig.implicit[op.kind] += Math.ceil(op.len / 4096);
    const r = replayOp(this, op);
    if (r === undefined) {
      fig.syscalls[op.op] = (fig.syscalls[op.op] ?? 0) + 1;
    } else if ('skip' in r) {
      fig.notReplayed[r.skip] = (fig.notReplayed[r.skip] ?? 0) + 1;
      if (fig.notReplayed[r.skip] === 1) this.warn({ file: op.file, line: op.line, message: `not replayed: ${r.skip}` });
    } else {
      fig.syscalls[op.op] = (fig.syscalls[op.op] ?? 0) + 1;
      const key = `${op.op} ${r.errno}`;
      fig.refused[key] = (fig.refused[key] ?? 0) + 1;
      if (fig.firstRefused.length < MAX_EXAMPLES) fig.firstRefused.push(`${where(op)}: ${op.op} of pid ${op.pid} refused with ${r.errno}`);
    }
    const used = this.kernel.mem.npages - this.kernel.mem.freeCount;
    if (used > fig.peakRssPages) fig.peakRssPages = used;
  }

  /** Part of an operation this machine does not have (the rest was replayed). */
  noteNotReplayed(reason: string): void {
    const n = this.figures.notReplayed;
    n[reason] = (n[reason] ?? 0) + 1;
  }

  warn(w: TraceWarning): void {
    this.figures.warnings++;
    if (this.warnings.length < 100) this.warnings.push(w);
  }

  /** Fill in the totals once the trace has been read. */
  finish(accesses: number, wallMs: number): TraceFigures {
    const fig = this.figures;
    const bus = this.machine.bus;
    const c = this.kernel.counters.snapshot();
    fig.accesses = accesses;
    fig.pagesIn = this.pagesIn;
    fig.pagesOut = this.pagesOut;
    fig.tlbInvalidations = bus.kind.tlb_invalidate.n;
    fig.ipis = c['tlb.ipi'] ?? 0;
    fig.broadcasts = c['tlb.broadcast'] ?? 0;
    fig.wallMs = wallMs;
    fig.accessesPerSec = wallMs > 0 ? Math.round((accesses / wallMs) * 1000) : 0;
    fig.counters = c;
    return fig;
  }
}

function accName(acc: number): string {
  return acc === Access.Execute ? 'exec' : acc === Access.Write ? 'write' : 'read';
}

export function where(p: TracePos): string {
  return `${p.file}:${p.line}`;
}
