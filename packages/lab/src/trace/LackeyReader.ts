import { LackeyProcess } from './LackeyProcess.ts';
import { decodeLackeyCall } from './lackeyCalls.ts';
import { type LackeyCall, lackeyResult, parseLackeySyscall } from './lackeySyscall.ts';
import { IGNORED_SYSCALLS } from './ignoredSyscalls.ts';
import type { TracePos, TraceSink } from './TraceOp.ts';
import type { TraceStats } from './TraceStats.ts';

/** Called when a process forks: run the child's log (the reader waits for it) before going on. */
export type ForkHook = (parent: LackeyProcess, child: number, how: 'fork' | 'vfork' | 'clone', at: TracePos) => Promise<void>;

const PAGE = 4096;

/**
 * Reads one valgrind lackey log (`--trace-mem=yes --trace-syscalls=yes`, one file per process): the
 * instruction fetches (`I`), loads (`L`), stores (`S`) and modifies (`M`) with their sizes, and the system
 * calls between them.
 *
 * Accesses are collapsed in the reader: an instruction fetch on the page of the previous fetch, or a data
 * access on the page of the previous data access that asks for nothing more (a load after a store), is
 * counted but not handed on; a system call ends both runs, and a store to the page being executed ends the
 * fetch run. So every access that can fault reaches the sink, in the recorded order.
 */
export class LackeyReader {
  private iPage = -1;
  /** The last two data pages and the access bits already handed on for each, most recent first. */
  private dPage = -1;
  private dMask = 0;
  private dPage2 = -1;
  private dMask2 = 0;
  /** A call whose result is on the next line (` --> [pre-success] ...`). */
  private awaitingTail: { call: LackeyCall; line: number } | undefined;
  private readonly async = new Map<number, { call: LackeyCall; line: number }>();
  private sawContent = false;
  /** True when the log starts with the second half of the parent's clone (a forked child, not exec'd). */
  forkedChild = false;
  private readonly unknownSeen = new Set<string>();

  constructor(
    private readonly file: string,
    readonly proc: LackeyProcess,
    private readonly sink: TraceSink,
    private readonly stats: TraceStats,
    private readonly onFork: ForkHook,
  ) {}

  private at(line: number): TracePos {
    return { file: this.file, line };
  }

  private warn(line: number, message: string): void {
    this.stats.skipped++;
    this.sink.warn({ file: this.file, line, message });
  }

  /** 1-based number of the last line parsed. */
  line = 0;

  /**
   * The chunk parser for `readChunks`: access records are parsed here, byte by byte, without making a
   * string; every other line goes to `other`.
   */
  readonly parse = (buf: Buffer, pos: number, end: number): number | { wait: Promise<void>; next: number } => {
    const stats = this.stats;
    let instr = 0;
    let loads = 0;
    let stores = 0;
    let modifies = 0;
    try {
      while (pos < end) {
        const c0 = buf[pos];
        let k = 0;
        if (c0 === 73 && buf[pos + 1] === 32) k = 4;
        else if (c0 === 32 && buf[pos + 2] === 32) {
          const c1 = buf[pos + 1];
          k = c1 === 76 ? 1 : c1 === 83 ? 2 : c1 === 77 ? 3 : 0;
        }
        if (k === 0) {
          const nl = buf.indexOf(10, pos);
          if (nl < 0 || nl >= end) return pos;
          const e = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
          const r = this.other(buf, pos, e, ++this.line);
          pos = nl + 1;
          if (r) return { wait: r, next: pos };
          continue;
        }
        let p = pos + 3;
        while (p < end && buf[p] === 32) p++;
        let addr = 0;
        const h0 = p;
        for (; p < end; p++) {
          const c = buf[p]!;
          if (c >= 48 && c <= 57) addr = addr * 16 + (c - 48);
          else if (c >= 97 && c <= 102) addr = addr * 16 + (c - 87);
          else if (c >= 65 && c <= 70) addr = addr * 16 + (c - 55);
          else break;
        }
        let size = 0;
        const comma = p < end && buf[p] === 44 && p > h0;
        if (comma) {
          for (p++; p < end; p++) {
            const c = buf[p]!;
            if (c < 48 || c > 57) break;
            size = size * 10 + (c - 48);
          }
        }
        let q = p;
        while (q < end && buf[q] !== 10) q++;
        if (q >= end) return pos;
        const line = ++this.line;
        const lineStart = pos;
        pos = q + 1;
        if (!comma || (q !== p && !(q === p + 1 && buf[p] === 13))) {
          this.warn(line, `skipped: a truncated or malformed access record "${buf.toString('latin1', lineStart, q)}"`);
          continue;
        }
        if (this.proc.exited) {
          this.warn(line, 'skipped: an access after the process exited');
          continue;
        }
        if (k === 4) instr++;
        else if (k === 1) loads++;
        else if (k === 2) stores++;
        else modifies++;
        const page = Math.floor(addr / PAGE);
        this.access(page, k, line);
        if (size > 1 && addr - page * PAGE + size > PAGE) this.access(page + 1, k, line);
      }
      return pos;
    } finally {
      stats.instr += instr;
      stats.loads += loads;
      stats.stores += stores;
      stats.modifies += modifies;
      stats.accesses += instr + loads + stores + modifies;
    }
  };

  private access(page: number, k: number, line: number): void {
    if (k === 4) {
      if (page === this.iPage) return;
      this.iPage = page;
    } else {
      if (page === this.dPage) {
        if ((k & ~this.dMask) === 0) return;
        this.dMask |= k;
      } else if (page === this.dPage2 && (k & ~this.dMask2) === 0) {
        // the other of the last two data pages: swap them (most recent first)
        this.dPage2 = this.dPage;
        this.dPage = page;
        const m = this.dMask2;
        this.dMask2 = this.dMask;
        this.dMask = m;
        return;
      } else {
        const had = page === this.dPage2 ? this.dMask2 : 0;
        this.dPage2 = this.dPage;
        this.dMask2 = this.dMask;
        this.dPage = page;
        this.dMask = k | had;
      }
      if (k & 2 && page === this.iPage) this.iPage = -1;
    }
    const proc = this.proc;
    if (proc.implicit.size > 0 || !proc.mapped.has(page * PAGE)) proc.touch(page, k, this.sink, this.stats, this.at(line));
    this.stats.records++;
    this.sink.access(proc.pid, page * PAGE, k);
  }

  /** Anything but an access record: header, system call, the tail of a call, or garbage. */
  private other(buf: Buffer, s: number, e: number, line: number): void | Promise<void> {
    const text = buf.toString('latin1', s, e);
    if (text.startsWith('==') || text.trim() === '') return;
    this.iPage = this.dPage = this.dPage2 = -1;
    if (text.startsWith(' --> ')) {
      const t = this.awaitingTail;
      this.awaitingTail = undefined;
      if (!t) {
        if (!this.sawContent) {
          // the child's half of its parent's clone: this log is a forked child's
          this.forkedChild = true;
          this.sawContent = true;
          return;
        }
        this.warn(line, 'skipped: a call result with no call before it');
        return;
      }
      t.call.result = lackeyResult(text);
      return this.finish(t.call, this.at(t.line));
    }
    this.sawContent = true;
    const c = parseLackeySyscall(text);
    if (!c) {
      this.warn(line, `skipped: not a lackey record: "${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`);
      return;
    }
    if ('asyncTid' in c) {
      const pend = this.async.get(c.asyncTid);
      if (!pend) {
        this.warn(line, 'skipped: the end of an async call that never started');
        return;
      }
      this.async.delete(c.asyncTid);
      pend.call.result = c.result;
      return this.finish(pend.call, this.at(line));
    }
    if (c.result !== undefined) return this.finish(c, this.at(line));
    if (/--> \[async\]/.test(c.tail)) this.async.set(c.tid, { call: c, line });
    else this.awaitingTail = { call: c, line };
  }

  /** A call with its result: count it and apply it. */
  private finish(c: LackeyCall, at: TracePos): void | Promise<void> {
    const stats = this.stats;
    stats.countCall(c.name);
    if (!c.result) {
      this.warn(at.line, `skipped: ${c.name} without a readable result`);
      return;
    }
    if (!c.result.ok) {
      stats.failed++;
      return;
    }
    const eff = decodeLackeyCall(c, c.result.value, this.proc, at);
    switch (eff.kind) {
      case 'ops':
        for (const op of eff.ops) this.sink.op(op);
        return;
      case 'bad':
        this.warn(at.line, `skipped: ${c.name}: ${eff.reason}`);
        return;
      case 'unknown':
        if (IGNORED_SYSCALLS.has(c.name) || c.name.startsWith('unimplemented_')) return;
        if (!this.unknownSeen.has(c.name)) {
          this.unknownSeen.add(c.name);
          this.warn(at.line, `skipped: unknown system call ${c.name} (further ones are skipped silently)`);
        } else stats.skipped++;
        return;
      case 'thread':
        this.sink.op({ op: 'thread', pid: this.proc.pid, tid: eff.tid, ...at });
        return;
      case 'fork':
        return this.onFork(this.proc, eff.child, eff.how, at);
      case 'exec':
        this.proc.execReset(eff.path);
        this.sink.op({ op: 'execve', pid: this.proc.pid, path: eff.path, ...at });
        return;
      case 'exit':
        this.proc.exited = true;
        this.sink.op({ op: 'exit', pid: this.proc.pid, status: eff.status, ...at });
    }
  }

  /** Where the log ends: a process that did not exit is reported as gone there. */
  end(lines: number): void {
    if (this.awaitingTail) this.warn(this.awaitingTail.line, `skipped: ${this.awaitingTail.call.name} whose result the log does not have (truncated)`);
    if (!this.proc.exited) {
      this.warn(lines, `the log of ${this.proc.pid} ends without exit_group; the process exits here`);
      this.proc.exited = true;
      this.sink.op({ op: 'exit', pid: this.proc.pid, status: -1, ...this.at(lines) });
    }
  }
}
