import { TraceError } from './TraceError.ts';
import type { TracePos, TraceSink } from './TraceOp.ts';
import { ProcessTable } from './ProcessTable.ts';
import type { TraceStats } from './TraceStats.ts';
import { IGNORED_SYSCALLS } from './ignoredSyscalls.ts';
import { parseRet, parseStraceLine, splitArgs } from './straceSyntax.ts';
import { CLONE_THREAD, CLONE_VFORK, CLONE_VM, parseCloneFlags } from './linuxAbi.ts';
import { decodeStraceCall } from './straceCalls.ts';

/** A fork, vfork or clone whose child pid is not known yet. */
interface PendingFork {
  tid: number;
  how: 'fork' | 'vfork' | 'clone';
  thread: boolean;
  child: number | undefined;
}

/**
 * Reads `strace -f -e trace=%memory,%process` output, one line at a time, and reports the memory and
 * process system calls to a sink in the order they took effect (a call split by `<unfinished ...>` takes
 * effect at its `resumed` half). A child's first line may come before its parent's fork returns (vfork);
 * the child is then attached to the oldest fork still in flight.
 */
export class StraceReader {
  readonly procs: ProcessTable;
  private readonly unfinished = new Map<number, { name: string; args: string; line: number }>();
  private readonly forks: PendingFork[] = [];
  private readonly unknownSeen = new Set<string>();
  private root: number | undefined;
  constructor(
    private readonly file: string,
    private readonly sink: TraceSink,
    private readonly stats: TraceStats,
  ) {
    this.procs = new ProcessTable(sink);
  }

  private warn(line: number, message: string): void {
    this.stats.skipped++;
    this.sink.warn({ file: this.file, line, message });
  }

  line(text: string, line: number): void {
    const l = parseStraceLine(text, this.root ?? 1);
    const at: TracePos = { file: this.file, line };
    switch (l.kind) {
      case 'blank':
      case 'note':
        return;
      case 'bad':
        this.warn(line, `skipped: ${l.reason}: ${clip(text)}`);
        return;
      case 'signal':
        if (!this.procs.isDead(l.pid)) this.known(l.pid, at);
        return;
      case 'exited': {
        if (this.procs.isDead(l.pid)) return;
        const pid = this.known(l.pid, at);
        if (pid === l.pid) this.procs.exit(pid, l.status, at, l.signal);
        return;
      }
      case 'unfinished': {
        this.known(l.pid, at);
        this.unfinished.set(l.pid, { name: l.name, args: l.args, line });
        if (l.name === 'clone' || l.name === 'clone3' || l.name === 'fork' || l.name === 'vfork') this.forkStarts(l.pid, l.name, l.args);
        return;
      }
      case 'resumed': {
        const pid = this.known(l.pid, at);
        const u = this.unfinished.get(l.pid);
        if (!u || u.name !== l.name) {
          this.warn(line, `skipped: "${l.name} resumed" with no unfinished ${l.name} call of ${l.pid} before it`);
          return;
        }
        this.unfinished.delete(l.pid);
        const joined = `${u.name}(${u.args}${u.args === '' || l.rest.startsWith(')') || l.rest.startsWith(',') ? '' : ' '}${l.rest}`;
        const full = parseStraceLine(`${joined}`, l.pid);
        if (full.kind !== 'call') {
          this.warn(line, `skipped: a truncated ${l.name} call (resumed)`);
          return;
        }
        this.call(pid, l.pid, full.name, full.args, full.ret, at);
        return;
      }
      case 'call': {
        const pid = this.known(l.pid, at);
        if (l.name === 'clone' || l.name === 'clone3' || l.name === 'fork' || l.name === 'vfork') this.forkStarts(l.pid, l.name, l.args);
        this.call(pid, l.pid, l.name, l.args, l.ret, at);
      }
    }
  }

  /** The process of a thread id; a new id is the root (first line), a fork's child, or an error. */
  private known(tid: number, at: TracePos): number {
    const pid = this.procs.pidOf(tid);
    if (pid !== undefined) return pid;
    if (this.root === undefined) {
      this.root = tid;
      this.procs.spawn(tid, at);
      return tid;
    }
    const f = this.forks.find((x) => x.child === undefined);
    if (!f) throw new TraceError(at.file, at.line, `pid ${tid} never started: no fork, vfork or clone in flight before its first line`);
    f.child = tid;
    if (f.thread) {
      this.procs.thread(f.tid, tid, at);
      return this.procs.pidOf(tid)!;
    }
    this.procs.fork(this.procs.pidOf(f.tid)!, tid, f.how, at);
    return tid;
  }

  private forkStarts(tid: number, name: string, args: string): void {
    if (this.forks.some((f) => f.tid === tid)) return;
    let flags = 0;
    if (name === 'vfork') flags = CLONE_VM | CLONE_VFORK;
    else if (name === 'clone' || name === 'clone3') {
      const m = /flags=([A-Z0-9_|x]+)/.exec(args);
      flags = m ? (parseCloneFlags(m[1]!) ?? 0) : 0;
    }
    const how = name === 'vfork' || (flags & CLONE_VFORK) !== 0 ? 'vfork' : name === 'fork' ? 'fork' : 'clone';
    this.forks.push({ tid, how, thread: ((flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0) || (flags & CLONE_THREAD) !== 0, child: undefined });
  }

  /** A complete call of thread `tid` in process `pid`. */
  private call(pid: number, tid: number, name: string, argText: string, retText: string, at: TracePos): void {
    this.stats.countCall(name);
    const ret = parseRet(retText);
    if (name === 'clone' || name === 'clone3' || name === 'fork' || name === 'vfork') {
      const i = this.forks.findIndex((f) => f.tid === tid);
      const f = i >= 0 ? this.forks.splice(i, 1)[0]! : undefined;
      if (ret.errno !== undefined || ret.value === undefined || ret.value < 0) {
        this.stats.failed++;
        if (f?.child !== undefined) this.warn(at.line, `${name} failed but pid ${f.child} ran as its child`);
        return;
      }
      if (f && f.child !== undefined && f.child !== ret.value) this.warn(at.line, `${name} returned ${ret.value} but pid ${f.child} ran first as its child`);
      if (f && f.child === undefined) {
        if (f.thread) this.procs.thread(tid, ret.value, at);
        else this.procs.fork(pid, ret.value, f.how, at);
      }
      return;
    }
    if (ret.errno !== undefined || (ret.value !== undefined && ret.value < 0 && ret.value > -4096)) {
      this.stats.failed++;
      return;
    }
    const args = splitArgs(argText);
    const r = decodeStraceCall(name, args, ret.value, pid, this.procs, at);
    if (r === 'unknown') {
      if (IGNORED_SYSCALLS.has(name)) return;
      if (!this.unknownSeen.has(name)) {
        this.unknownSeen.add(name);
        this.warn(at.line, `skipped: unknown system call ${name} (further ones are skipped silently)`);
      } else this.stats.skipped++;
      return;
    }
    if (typeof r === 'string') this.warn(at.line, `skipped: ${name}: ${r}`);
    else for (const op of r) this.sink.op(op);
  }
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
