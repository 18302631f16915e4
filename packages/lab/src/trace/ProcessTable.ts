import type { TracePos, TraceSink } from './TraceOp.ts';

/** What the readers keep per traced process: its break and what its file descriptors name. */
export interface TracedProcess {
  pid: number;
  /** The current break, once a brk call recorded it. */
  brk: number | undefined;
  /** fd → the file it names (a path when the trace recorded the open, else a name derived from mappings). */
  files: Map<number, string>;
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
    const p: TracedProcess = { pid, brk: undefined, files: new Map() };
    this.procs.set(pid, p);
    this.owner.set(pid, pid);
    this.sink.op(path === undefined ? { op: 'spawn', pid, ...at } : { op: 'spawn', pid, path, ...at });
    return p;
  }

  /** fork/vfork/clone without CLONE_VM: a new process that inherits the parent's state. */
  fork(parent: number, child: number, how: 'fork' | 'vfork' | 'clone', at: TracePos): TracedProcess {
    const pp = this.procs.get(parent)!;
    const c: TracedProcess = { pid: child, brk: pp.brk, files: new Map(pp.files) };
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

  /** A brk call returned `result`: report the old and new break. */
  brk(pid: number, result: number, at: TracePos): void {
    const p = this.procs.get(pid)!;
    const old = p.brk ?? result;
    p.brk = result;
    this.sink.op({ op: 'brk', pid, old, brk: result, ...at });
  }
}
