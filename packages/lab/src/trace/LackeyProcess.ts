import { MappedRanges } from './MappedRanges.ts';
import type { ImplicitKind, TracePos, TraceSink } from './TraceOp.ts';
import { TRACE_EXEC, TRACE_WRITE } from './TraceOp.ts';
import type { TraceStats } from './TraceStats.ts';

const PAGE = 4096;
/** RLIMIT_STACK's usual default: data pages this far below the first stack reference are the stack. */
const STACK_WINDOW = 8 << 20;
/** Room above the first stack reference for argv, the environment and the auxiliary vector. */
const STACK_ABOVE = 1 << 20;

/**
 * A process as the lackey reader tracks it: the ranges its recorded system calls mapped, the pages that
 * were mapped on first touch (mappings that existed before the first recorded call: the program image, the
 * loader, the stack), its break and what its file descriptors name.
 */
export class LackeyProcess {
  mapped = new MappedRanges();
  /** page number → protection of the pages mapped on first touch. */
  implicit = new Map<number, number>();
  /** The page of the image's first data reference (the initial stack pointer's neighbourhood). */
  stackTop: number | undefined;
  brk: number | undefined;
  files = new Map<number, string>();
  exited = false;

  constructor(
    readonly pid: number,
    public command: string,
  ) {}

  /** The child's copy at fork: the same mappings and descriptors. */
  forkCopy(child: number): LackeyProcess {
    const c = new LackeyProcess(child, this.command);
    c.mapped = this.mapped.copy();
    c.implicit = new Map(this.implicit);
    c.stackTop = this.stackTop;
    c.brk = this.brk;
    c.files = new Map(this.files);
    return c;
  }

  /** exec: a new image with nothing mapped yet. */
  execReset(command: string): void {
    this.command = command;
    this.mapped.clear();
    this.implicit.clear();
    this.stackTop = undefined;
    this.brk = undefined;
    this.files.clear();
  }

  /** A recorded call mapped [start, end): it replaces what was there. */
  map(start: number, end: number): void {
    this.mapped.add(start, end);
    this.dropImplicit(start, end);
  }

  unmap(start: number, end: number): void {
    this.mapped.remove(start, end);
    this.dropImplicit(start, end);
  }

  private dropImplicit(start: number, end: number): void {
    if (this.implicit.size === 0) return;
    const first = Math.floor(start / PAGE);
    const last = Math.ceil(end / PAGE);
    if (last - first < this.implicit.size) {
      for (let p = first; p < last; p++) this.implicit.delete(p);
    } else {
      for (const p of [...this.implicit.keys()]) if (p >= first && p < last) this.implicit.delete(p);
    }
  }

  /**
   * An access to page `page` with access bits `k` that the recorded calls did not map, or that was mapped
   * on first touch with too little protection: map it (or widen it) as the private mapping it must have been.
   * Instruction fetches make text (r-x), data references near the first one make the stack (rw-), others
   * data (rw-).
   */
  touch(page: number, k: number, sink: TraceSink, stats: TraceStats, at: TracePos): void {
    const va = page * PAGE;
    if (!this.mapped.has(va)) {
      let kind: ImplicitKind;
      let prot: number;
      if (k & TRACE_EXEC) {
        kind = 'text';
        prot = 5;
      } else {
        if (this.stackTop === undefined) this.stackTop = page;
        const top = this.stackTop * PAGE;
        kind = va >= top - STACK_WINDOW && va < top + STACK_ABOVE ? 'stack' : 'data';
        prot = 3;
      }
      this.mapped.add(va, va + PAGE);
      this.implicit.set(page, prot);
      stats.implicit[kind]++;
      sink.op({ op: 'implicit_map', pid: this.pid, addr: va, len: PAGE, kind, prot, upgrade: false, path: kind === 'text' ? this.command : undefined, ...at });
      return;
    }
    const prot = this.implicit.get(page);
    if (prot === undefined) return;
    const want = k & TRACE_EXEC ? TRACE_EXEC : k & TRACE_WRITE ? TRACE_WRITE : 0;
    if ((prot & want) === want) return;
    const np = prot | want | 1;
    this.implicit.set(page, np);
    sink.op({ op: 'implicit_map', pid: this.pid, addr: va, len: PAGE, kind: np & TRACE_EXEC ? 'text' : 'data', prot: np, upgrade: true, ...at });
  }
}
