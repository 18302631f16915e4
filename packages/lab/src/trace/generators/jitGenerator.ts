import { BTI_J } from '@vmlab/pmap-arm64';
import { TRACE_BRANCH, TRACE_EXEC, TRACE_READ, TRACE_WRITE } from '../TraceOp.ts';
import { GEN_PAGE, type GenOut, type TraceGenerator, prng } from './TraceGenerator.ts';

/**
 * A JIT with per-thread heaps: each thread allocates a protection key and maps its own heap under it (the
 * FreeBSD PKRU review's per-thread heap model: a thread's PKRU opens only its own key), and a code buffer it
 * flips between writable and executable (W^X), emitting a BTI landing pad at each function entry and
 * mapping the code as guarded pages (PROT_BTI). Each round, every thread writes its heap, rewrites and
 * re-protects its code, and calls into it by indirect branch; a few accesses reach another thread's heap
 * (a key fault where keys exist) and a few branches miss a landing pad (a guard fault where BTI exists).
 * A machine without keys skips the key calls; one without BTI maps the code without guards.
 */
export const jitGenerator: TraceGenerator = {
  name: 'jit',
  description: 'a JIT: per-thread heaps under protection keys, W^X code buffers as guarded pages (amd64 PKRU / arm64 BTI)',
  params: {
    pid: { default: 3000, doc: 'the process id (threads are pid*10+1, ...)' },
    threads: { default: 4, doc: 'threads, each with a key, a heap and a code buffer' },
    heapPages: { default: 64, doc: 'heap pages per thread' },
    codePages: { default: 16, doc: 'code pages per thread' },
    rounds: { default: 4, doc: 'rounds of write heap / rewrite code / run code' },
    crossPct: { default: 2, doc: "percent of heap reads that reach another thread's heap" },
    badJumpPct: { default: 2, doc: 'percent of indirect branches that miss a landing pad' },
    seed: { default: 1, doc: 'the seed' },
  },
  generate(out: GenOut, p: Record<string, number>): void {
    const { pid, threads, heapPages, codePages, rounds, crossPct, badJumpPct, seed } = p as Record<keyof typeof jitGenerator.params, number>;
    const rand = prng(seed);
    const heapOf = (i: number): number => 0x500000000 + i * 0x10000000;
    const codeOf = (i: number): number => 0x600000000 + i * 0x10000000;
    const tidOf = (i: number): number => pid * 10 + i + 1;
    const heapLen = heapPages * GEN_PAGE;
    const codeLen = codePages * GEN_PAGE;
    out.op({ op: 'spawn', pid, path: 'jit' });
    for (let i = 0; i < threads; i++) {
      const tid = tidOf(i);
      out.op({ op: 'thread', pid, tid });
      // the new thread allocates its key (its PKRU opens the key for itself only) and its heap
      out.op({ op: 'pkey_alloc', pid, pkey: i + 1, rights: [], tid });
      out.op({ op: 'mmap', pid, addr: heapOf(i), len: heapLen, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1, offset: 0 });
      out.op({ op: 'mprotect', pid, addr: heapOf(i), len: heapLen, prot: 3, pkey: i + 1 });
      out.op({ op: 'mmap', pid, addr: codeOf(i), len: codeLen, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1, offset: 0 });
    }
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < threads; i++) {
        const tid = tidOf(i);
        out.touch(pid, heapOf(i), heapPages, TRACE_WRITE, tid);
        for (let q = 0; q < heapPages; q++) {
          const other = rand() * 100 < crossPct && threads > 1 ? (i + 1 + Math.floor(rand() * (threads - 1))) % threads : i;
          out.access(pid, heapOf(other) + q * GEN_PAGE, TRACE_READ, tid);
        }
        // W^X: make the buffer writable, emit code with a landing pad at each function entry, make it executable and guarded
        out.op({ op: 'mprotect', pid, addr: codeOf(i), len: codeLen, prot: 3 });
        for (let q = 0; q < codePages; q++) out.op({ op: 'store', pid, addr: codeOf(i) + q * GEN_PAGE, value: BTI_J, tid });
        out.op({ op: 'mprotect', pid, addr: codeOf(i), len: codeLen, prot: 5, protExtra: 'bti' });
        for (let q = 0; q < codePages; q++) {
          const miss = rand() * 100 < badJumpPct;
          out.access(pid, codeOf(i) + q * GEN_PAGE + (miss ? 8 : 0), TRACE_EXEC | TRACE_BRANCH, tid);
          out.access(pid, codeOf(i) + q * GEN_PAGE, TRACE_EXEC, tid);
        }
      }
    }
    for (let i = 0; i < threads; i++) out.op({ op: 'pkey_free', pid, pkey: i + 1 });
    out.op({ op: 'exit', pid, status: 0 });
  },
};
