import { MappedRanges } from './MappedRanges.ts';
import type { TracePos, TraceSink } from './TraceOp.ts';

/** What the readers keep per traced process: its break and what its file descriptors name. */
export interface TracedProcess {
  pid: number;
  /** The current break, once a brk call recorded it. */
  brk: number | undefined;
  /** fd → the file it names (a path when the trace recorded the open, else a name derived from mappings). */
  files: Map<number, string>;
  /** What the recorded calls mapped (and what was mapped for them when they named a range nothing mapped). */
  mapped: MappedRanges;
  /** The image the process runs (for mappings that existed before the first recorded call). */
  image: string | undefined;
}

/**
 * The processes of a trace: threads folded into their process, forks assigned to the child pid, the
 * break and file descriptors inherited at fork and reset at exec. Shared by the readers.
 */
export class ProcessTable {
  private readonly procs = new Map<number, TracedProcess>();
  /** thread id → process id (a process's leader maps to itself). */
  private readonly owner = new Map<number, number>();
  private readonly dead = new Set<number>();

  constructor(private readonly sink: TraceSink) {}

  /** The process a thread belongs to, or undefined when the id was never started. */
  pidOf(tid: number): number | undefined {
    return this.owner.get(tid);
  }

  get(pid: number): TracedProcess | undefined {
    return this.procs.get(pid);
  }

  get size(): number {
    return this.procs.size;
  }

  /** A process the trace starts with (no parent in the trace). */
  spawn(pid: number, at: TracePos, path?: string): TracedProcess {
    const p: TracedProcess = { pid, brk: undefined, files: new Map(), mapped: new MappedRanges(), image: path };
    this.procs.set(pid, p);
    this.owner.set(pid, pid);
    this.sink.op(path === undefined ? { op: 'spawn', pid, ...at } : { op: 'spawn', pid, path, ...at });
    return p;
  }

  /** fork/vfork/clone without CLONE_VM: a new process that inherits the parent's state. */
  fork(parent: number, child: number, how: 'fork' | 'vfork' | 'clone', at: TracePos): TracedProcess {
    const pp = this.procs.get(parent)!;
    const c: TracedProcess = { pid: child, brk: pp.brk, files: new Map(pp.files), mapped: pp.mapped.copy(), image: pp.image };
    this.procs.set(child, c);
    this.owner.set(child, child);
    this.sink.op({ op: 'fork', pid: parent, child, how, ...at });
    return c;
  }

  /** clone with CLONE_VM: a thread of the parent's process. */
  thread(parentTid: number, tid: number, at: TracePos): void {
    const pid = this.owner.get(parentTid)!;
    this.owner.set(tid, pid);
    this.sink.op({ op: 'thread', pid, tid, ...at });
  }

  /** execve: a new image; the break is unknown until the next brk call. */
  exec(pid: number, path: string, at: TracePos): void {
    const p = this.procs.get(pid)!;
    p.brk = undefined;
    p.mapped.clear();
    p.image = path;
    this.sink.op({ op: 'execve', pid, path, ...at });
  }

  /** The process is gone (exit or killed). */
  exit(pid: number, status: number, at: TracePos, signal?: string): void {
    this.sink.op(signal === undefined ? { op: 'exit', pid, status, ...at } : { op: 'exit', pid, status, signal, ...at });
    this.procs.delete(pid);
    for (const [t, o] of this.owner)
      if (o === pid) {
        this.owner.delete(t);
        this.dead.add(t);
      }
  }

  /** True when the thread id belonged to a process that has exited. */
  isDead(tid: number): boolean {
    return this.dead.has(tid);
  }

  /**
   * A call names [addr, addr+len): the parts no recorded call mapped existed before the trace (the
   * program image and the loader, which execve maps). Map them first, as private mappings (text when the
   * call makes them executable).
   */
  ensureMapped(pid: number, addr: number, len: number, prot: number, at: TracePos): void {
    const p = this.procs.get(pid);
    if (!p) return;
    const start = Math.floor(addr / 4096) * 4096;
    const end = Math.ceil((addr + len) / 4096) * 4096;
    for (const [s, e] of p.mapped.gaps(start, end)) {
      const text = (prot & 4) !== 0;
      this.sink.op({ op: 'implicit_map', pid, addr: s, len: e - s, kind: text ? 'text' : 'data', prot: text ? 5 : 3, upgrade: false, path: p.image, ...at });
      p.mapped.add(s, e);
    }
  }

  /** A brk call returned `result`: report the old and new break. */
  brk(pid: number, result: number, at: TracePos): void {
    const p = this.procs.get(pid)!;
    const old = p.brk ?? result;
    p.brk = result;
    const r = (x: number): number => Math.ceil(x / 4096) * 4096;
    if (result > old) p.mapped.add(r(old), r(result));
    else if (result < old) p.mapped.remove(r(result), r(old));
    this.sink.op({ op: 'brk', pid, old, brk: result, ...at });
  }
}
