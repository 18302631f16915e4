import type { TraceOp, TraceSink } from '../TraceOp.ts';

/** A generator's parameters: names → numbers, each with a default and one line of doc. */
export type GeneratorParams = Record<string, { default: number; doc: string }>;

/**
 * A workload written as a program: it emits the system calls and accesses a real program of that kind
 * makes, to any trace sink (the executor on a machine, a scenario step, a test). Deterministic: the same
 * parameters (seed included) give the same operations.
 */
export interface TraceGenerator {
  readonly name: string;
  /** One line: what the workload is and where it comes from. */
  readonly description: string;
  readonly params: GeneratorParams;
  generate(out: GenOut, p: Record<string, number>): void;
}

const PAGE = 4096;

/** What a generator writes to: operations numbered as lines of a file named `generate:NAME`. */
export class GenOut {
  private n = 0;
  readonly file: string;

  constructor(
    readonly sink: TraceSink,
    name: string,
  ) {
    this.file = `generate:${name}`;
  }

  /** Operations emitted so far (the `line` of the next one is this plus one). */
  get count(): number {
    return this.n;
  }

  op(o: DistributiveOmit<TraceOp, 'file' | 'line'>): void {
    this.sink.op({ ...o, file: this.file, line: ++this.n } as TraceOp);
  }

  /** Touch `pages` pages from `start` (one access per page). */
  touch(pid: number, start: number, pages: number, access: number, tid?: number): void {
    for (let i = 0; i < pages; i++) this.sink.access(pid, start + i * PAGE, access, tid);
  }

  access(pid: number, va: number, access: number, tid?: number): void {
    this.sink.access(pid, va, access, tid);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** mulberry32: a small seeded generator (no Math.random: runs are reproducible). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indices in [0, n), in random order. */
export function pick(rand: () => number, n: number, count: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

export const GEN_PAGE = PAGE;
