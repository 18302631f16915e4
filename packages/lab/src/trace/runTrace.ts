import type { Machine } from '@vmlab/core';
import { readTrace } from './readTrace.ts';
import { generate } from './generators/generators.ts';
import type { TraceGenerator } from './generators/TraceGenerator.ts';
import { TraceExecutor } from './TraceExecutor.ts';
import type { TraceFigures } from './TraceFigures.ts';
import type { TraceWarning } from './TraceOp.ts';
import type { TraceStats } from './TraceStats.ts';

export interface TraceRun {
  figures: TraceFigures;
  /** What the reader saw (undefined for a generator). */
  stats: TraceStats | undefined;
  warnings: TraceWarning[];
}

/**
 * Read trace files and run them on one machine (streaming: the reader hands each operation and access to
 * the executor as it reads). The wall time covers reading and simulating.
 */
export async function runTrace(paths: readonly string[], machine: Machine): Promise<TraceRun> {
  const x = new TraceExecutor(machine);
  const t0 = performance.now();
  const stats = await readTrace(paths, x);
  const wall = performance.now() - t0;
  x.finish(stats.accesses, wall);
  return { figures: x.figures, stats, warnings: x.warnings };
}

/** Run a generator on one machine. The figures count its accesses as recorded ones. */
export function runGenerator(g: TraceGenerator, params: Record<string, number>, machine: Machine): TraceRun {
  const x = new TraceExecutor(machine);
  let accesses = 0;
  const counting = {
    access(pid: number, va: number, k: number, tid?: number): void {
      accesses++;
      x.access(pid, va, k, tid);
    },
    op: (o: Parameters<TraceExecutor['op']>[0]) => x.op(o),
    warn: (w: TraceWarning) => x.warn(w),
  };
  const t0 = performance.now();
  generate(g, params, counting);
  x.finish(accesses, performance.now() - t0);
  return { figures: x.figures, stats: undefined, warnings: x.warnings };
}
