import { TRACE_READ, TRACE_WRITE } from '../TraceOp.ts';
import { GEN_PAGE, type GenOut, type TraceGenerator, pick, prng } from './TraceGenerator.ts';

/**
 * A reusable-page allocator (snmalloc's pattern, as discussed for CheriBSD): a large anonymous arena cut
 * into chunks; freed chunks are given back with MADV_FREE_REUSABLE (the pages may be reclaimed, the range
 * stays mapped) and taken again with MADV_FREE_REUSE before their first write.
 */
export const allocatorGenerator: TraceGenerator = {
  name: 'allocator',
  description: 'an allocator that recycles chunks with MADV_FREE_REUSABLE / MADV_FREE_REUSE (snmalloc)',
  params: {
    pid: { default: 1000, doc: 'the process id' },
    chunks: { default: 256, doc: 'chunks in the arena' },
    chunkPages: { default: 16, doc: 'pages per chunk' },
    rounds: { default: 8, doc: 'free-and-reallocate rounds after the first fill' },
    freePct: { default: 50, doc: 'percent of the chunks freed each round' },
    seed: { default: 1, doc: 'the seed of the choice of chunks' },
  },
  generate(out: GenOut, p: Record<string, number>): void {
    const { pid, chunks, chunkPages, rounds, freePct, seed } = p as Record<keyof typeof allocatorGenerator.params, number>;
    const rand = prng(seed);
    const chunkBytes = chunkPages * GEN_PAGE;
    const arena = 0x200000000;
    out.op({ op: 'spawn', pid, path: 'allocator' });
    out.op({ op: 'mmap', pid, addr: arena, len: chunks * chunkBytes, prot: 3, flags: ['MAP_PRIVATE', 'MAP_ANONYMOUS'], fd: -1, offset: 0 });
    for (let c = 0; c < chunks; c++) out.touch(pid, arena + c * chunkBytes, chunkPages, TRACE_WRITE);
    for (let r = 0; r < rounds; r++) {
      const freed = pick(rand, chunks, Math.floor((chunks * freePct) / 100));
      for (const c of freed) out.op({ op: 'madvise', pid, addr: arena + c * chunkBytes, len: chunkBytes, advice: 'MADV_FREE_REUSABLE' });
      // the live chunks are read while the freed ones sit in the reusable state
      const freedSet = new Set(freed);
      for (let c = 0; c < chunks; c++) if (!freedSet.has(c)) out.touch(pid, arena + c * chunkBytes, chunkPages, TRACE_READ);
      // reallocate: take each chunk back, then write it
      for (const c of freed) {
        out.op({ op: 'madvise', pid, addr: arena + c * chunkBytes, len: chunkBytes, advice: 'MADV_FREE_REUSE' });
        out.touch(pid, arena + c * chunkBytes, chunkPages, TRACE_WRITE);
      }
    }
    out.op({ op: 'munmap', pid, addr: arena, len: chunks * chunkBytes });
    out.op({ op: 'exit', pid, status: 0 });
  },
};
