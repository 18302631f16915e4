import { TRACE_READ, TRACE_WRITE } from '../TraceOp.ts';
import { GEN_PAGE, type GenOut, type TraceGenerator } from './TraceGenerator.ts';

/**
 * A process tree that exits while a debugger holds references to every vmspace (OpenBSD's uvm_purge case at
 * scale): the root writes a heap and forks a tree; every process writes part of the heap (copy-on-write) and
 * a page of its own; a debugger attaches to each process as it is forked (a held vmspace reference, as
 * ptrace takes); the debugger reads each process's memory as it stops at exit; the processes exit
 * leaves first and are reaped, their vmspaces still held; the debugger lets go of them all at the end. What an exit frees while a holder remains, and what the holder can still read, is the
 * exit policy's.
 */
export const debuggerTreeGenerator: TraceGenerator = {
  name: 'debugger-tree',
  description: 'a process tree exiting while a debugger holds every vmspace (uvm_purge at scale)',
  params: {
    pid: { default: 4000, doc: 'the root process id (the others follow)' },
    depth: { default: 3, doc: 'levels below the root' },
    fanout: { default: 3, doc: 'children per process' },
    heapPages: { default: 64, doc: 'heap pages the root writes before forking' },
    writePct: { default: 25, doc: 'percent of the heap each process writes' },
  },
  generate(out: GenOut, p: Record<string, number>): void {
    const { pid, depth, fanout, heapPages, writePct } = p as Record<keyof typeof debuggerTreeGenerator.params, number>;
    const heap = 0x700000000;
    const own = 0x780000000;
    let next = pid;
    const all: number[] = [];
    out.op({ op: 'spawn', pid, path: 'tree' });
    out.op({ op: 'mmap', pid, addr: heap, len: heapPages * GEN_PAGE, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1, offset: 0 });
    out.touch(pid, heap, heapPages, TRACE_WRITE);
    const writes = Math.max(1, Math.floor((heapPages * writePct) / 100));
    const run = (me: number, level: number): void => {
      all.push(me);
      out.op({ op: 'hold', pid: me, holder: `debugger.${me}` });
      out.op({ op: 'mmap', pid: me, addr: own, len: GEN_PAGE, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1, offset: 0 });
      out.touch(me, own, 1, TRACE_WRITE);
      // each process writes its own stretch of the shared heap
      const from = ((me - pid) * writes) % heapPages;
      for (let i = 0; i < writes; i++) out.access(me, heap + ((from + i) % heapPages) * GEN_PAGE, TRACE_WRITE);
      out.touch(me, heap, heapPages, TRACE_READ);
      if (level < depth) {
        for (let c = 0; c < fanout; c++) {
          const child = ++next;
          out.op({ op: 'fork', pid: me, child, how: 'fork' });
          run(child, level + 1);
          out.op({ op: 'wait', pid: me, child });
        }
      }
      // the debugger reads the process's memory as it stops at exit
      out.op({ op: 'debug_access', pid: me, addr: own, write: false });
      out.op({ op: 'debug_access', pid: me, addr: heap, write: false });
      out.op({ op: 'exit', pid: me, status: 0 });
    };
    run(pid, 0);
    // the debugger lets go: the last references
    for (const me of all) out.op({ op: 'release', pid: me, holder: `debugger.${me}` });
  },
};
