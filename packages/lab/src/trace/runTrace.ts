import type { Machine } from '@vmlab/core';
import { readTrace } from './readTrace.ts';
import { TraceExecutor } from './TraceExecutor.ts';
import type { TraceFigures } from './TraceFigures.ts';
import type { TraceWarning } from './TraceOp.ts';
import type { TraceStats } from './TraceStats.ts';

export interface TraceRun {
  figures: TraceFigures;
  stats: TraceStats;
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
