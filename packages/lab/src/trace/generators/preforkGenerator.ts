import { TRACE_EXEC, TRACE_READ, TRACE_WRITE } from '../TraceOp.ts';
import { GEN_PAGE, type GenOut, type TraceGenerator, pick, prng } from './TraceGenerator.ts';

/**
 * A pre-fork server (Apache prefork, PostgreSQL backends): the parent builds a large heap, then forks
 * workers; each worker reads part of the heap and writes a fraction of it (copy-on-write), runs its code,
 * and exits; the parent reaps each. Workers run one after another, each to its end.
 */
export const preforkGenerator: TraceGenerator = {
  name: 'prefork',
  description: 'a pre-fork server: a large heap, workers that read it and write a fraction (copy-on-write)',
  params: {
    pid: { default: 2000, doc: 'the parent process id (workers are pid+1, pid+2, ...)' },
    heapPages: { default: 4096, doc: 'pages of heap the parent writes before forking' },
    codePages: { default: 64, doc: 'pages of program text (a file mapping) every process runs' },
    workers: { default: 8, doc: 'workers forked' },
    readPct: { default: 50, doc: 'percent of the heap each worker reads' },
    writePct: { default: 10, doc: 'percent of the heap each worker writes' },
    seed: { default: 1, doc: 'the seed of the choice of pages' },
  },
  generate(out: GenOut, p: Record<string, number>): void {
    const { pid, heapPages, codePages, workers, readPct, writePct, seed } = p as Record<keyof typeof preforkGenerator.params, number>;
    const rand = prng(seed);
    const heap = 0x300000000;
    const text = 0x400000;
    out.op({ op: 'spawn', pid, path: 'prefork' });
    out.op({ op: 'mmap', pid, addr: text, len: codePages * GEN_PAGE, prot: 5, flags: ['MAP_PRIVATE'], fd: 3, offset: 0, path: 'prefork-server' });
    out.op({ op: 'mmap', pid, addr: heap, len: heapPages * GEN_PAGE, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1, offset: 0 });
    out.touch(pid, text, codePages, TRACE_EXEC);
    out.touch(pid, heap, heapPages, TRACE_WRITE);
    for (let w = 1; w <= workers; w++) {
      const child = pid + w;
      out.op({ op: 'fork', pid, child, how: 'fork' });
      out.touch(child, text, codePages, TRACE_EXEC);
      for (const i of pick(rand, heapPages, Math.floor((heapPages * readPct) / 100)).sort((a, b) => a - b)) out.access(child, heap + i * GEN_PAGE, TRACE_READ);
      for (const i of pick(rand, heapPages, Math.floor((heapPages * writePct) / 100)).sort((a, b) => a - b))
        out.access(child, heap + i * GEN_PAGE, TRACE_WRITE);
      out.op({ op: 'exit', pid: child, status: 0 });
      out.op({ op: 'wait', pid, child });
    }
    out.op({ op: 'exit', pid, status: 0 });
  },
};
