import { headLines, readChunks, readLines } from './LineReader.ts';
import { LackeyProcess } from './LackeyProcess.ts';
import { LackeyReader } from './LackeyReader.ts';
import { StraceReader } from './StraceReader.ts';
import { TraceError } from './TraceError.ts';
import type { TracePos, TraceSink } from './TraceOp.ts';
import { TraceStats } from './TraceStats.ts';

export type TraceFormat = 'strace' | 'lackey';

const STRACE_LINE = /^(?:\[pid\s+\d+\]\s+|\d+\s+)?(?:(?:\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+)\s+)?(?:[a-z_][a-z0-9_]*\(|<\.\.\. |\+\+\+ |--- )/;
const LACKEY_LINE = /^(?:==\d+== |I {2}[0-9a-fA-F]+,\d+$| [LSM] [0-9a-fA-F]+,\d+$|SYSCALL\[\d+,\d+\])/;

/** The format of a trace from its first lines, or undefined. */
export function detectFormat(lines: readonly string[]): TraceFormat | undefined {
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('strace: '));
  if (first === undefined) return undefined;
  if (LACKEY_LINE.test(first)) return 'lackey';
  if (STRACE_LINE.test(first)) return 'strace';
  return undefined;
}

/** What a lackey log's header says. */
interface LackeyLog {
  path: string;
  pid: number;
  parent: number | undefined;
  command: string;
  /** The log starts with the child's half of its parent's clone: a forked child, not an exec'd one. */
  forked: boolean;
}

function lackeyHeader(path: string, lines: string[]): LackeyLog {
  const pidm = /^==(\d+)==/.exec(lines[0] ?? '');
  if (!pidm) throw new TraceError(path, 1, 'a lackey log must start with its "==PID==" header (record it with --log-file=NAME.%p)');
  const pid = Number(pidm[1]);
  const parent = lines.map((l) => /Parent PID: (\d+)/.exec(l)).find((m) => m)?.[1];
  const command =
    lines
      .map((l) => /Command: (.*)$/.exec(l))
      .find((m) => m)?.[1]
      ?.split(' ')[0] ?? '?';
  const body = lines.find((l) => !l.startsWith('=='));
  return { path, pid, parent: parent === undefined ? undefined : Number(parent), command, forked: body?.startsWith(' --> ') ?? false };
}

/**
 * Read trace files and hand their system calls and accesses to `sink`, streaming (one chunk of each open
 * file in memory). strace files are read one after another. lackey logs (one per process) are read as one
 * run: each root log (whose parent has no log) from its start, and a child's log at the point its parent's
 * fork returns, to its end, before the parent goes on (one legal order of the two; the logs do not record
 * the real one).
 */
export async function readTrace(paths: readonly string[], sink: TraceSink): Promise<TraceStats> {
  const stats = new TraceStats();
  const lackey: LackeyLog[] = [];
  const straces: string[] = [];
  for (const path of paths) {
    const head = await headLines(path, 12);
    const format = detectFormat(head);
    if (format === undefined)
      throw new TraceError(
        path,
        1,
        'not a trace: expected strace -f -e trace=%memory,%process output or a valgrind lackey log (--trace-mem=yes --trace-syscalls=yes)',
      );
    if (format === 'strace') straces.push(path);
    else lackey.push(lackeyHeader(path, head));
  }
  for (const path of straces) {
    stats.files++;
    const r = new StraceReader(path, sink, stats);
    const { bytes, lines } = await readLines(path, (b, s, e, n) => r.line(b.toString('latin1', s, e), n));
    stats.bytes += bytes;
    stats.lines += lines;
  }
  if (lackey.length > 0) await readLackey(lackey, sink, stats);
  return stats;
}

async function readLackey(logs: LackeyLog[], sink: TraceSink, stats: TraceStats): Promise<void> {
  const byPid = new Map<number, LackeyLog>();
  for (const l of logs) {
    const dup = byPid.get(l.pid);
    if (dup) throw new TraceError(l.path, 1, `two logs for pid ${l.pid} (the other is ${dup.path})`);
    byPid.set(l.pid, l);
  }
  const ran = new Set<number>();
  const run = async (log: LackeyLog, proc: LackeyProcess): Promise<void> => {
    ran.add(log.pid);
    stats.files++;
    const reader = new LackeyReader(log.path, proc, sink, stats, onFork);
    let bytes: number;
    try {
      bytes = await readChunks(log.path, reader.parse);
    } catch (e) {
      if (e instanceof TraceError) throw e;
      throw new TraceError(log.path, reader.line + 1, (e as Error).message);
    }
    stats.bytes += bytes;
    stats.lines += reader.line;
    reader.end(reader.line);
  };
  const onFork = async (parent: LackeyProcess, child: number, how: 'fork' | 'vfork' | 'clone', at: TracePos): Promise<void> => {
    sink.op({ op: 'fork', pid: parent.pid, child, how, ...at });
    const log = byPid.get(child);
    if (!log || ran.has(child)) {
      stats.skipped++;
      sink.warn({ ...at, message: `no log for child ${child}: it is forked and exits here (record with --trace-children=yes --log-file=NAME.%p)` });
      sink.op({ op: 'exit', pid: child, status: -1, ...at });
      return;
    }
    let proc: LackeyProcess;
    if (log.forked) proc = parent.forkCopy(child);
    else {
      // valgrind reopened NAME.%p at the child's exec, so the log starts with the new image
      stats.skipped++;
      sink.warn({
        file: log.path,
        line: 1,
        message: `the log of ${child} starts at its exec of ${log.command} (valgrind reuses the file name); what it did before the exec is not in the trace`,
      });
      proc = new LackeyProcess(child, log.command);
      sink.op({ op: 'execve', pid: child, path: log.command, file: log.path, line: 1 });
    }
    await run(log, proc);
  };
  for (const log of logs) {
    if (log.parent !== undefined && byPid.has(log.parent)) continue;
    sink.op({ op: 'spawn', pid: log.pid, path: log.command, file: log.path, line: 1 });
    await run(log, new LackeyProcess(log.pid, log.command));
  }
  for (const log of logs) {
    if (ran.has(log.pid)) continue;
    stats.skipped++;
    sink.warn({ file: log.path, line: 1, message: `pid ${log.pid} never started: the log of its parent ${log.parent} has no fork of it; skipped` });
  }
}
