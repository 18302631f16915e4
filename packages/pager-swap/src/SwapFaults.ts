import type { MachineSpec } from '@vmlab/core';

/** The fault points the swap pager injects at (a machine's `faults:` keys). */
export const SWAP_FAULT_POINTS = ['swap_read', 'swap_write'] as const;

/** One fault point of the machine file's `faults:` map. */
export interface FaultSpec {
  at?: number;
  every?: number;
  count?: number;
}

/**
 * Injected I/O failures of the swap device (`faults: { swap_read: {...}, swap_write: {...} }`).
 * Operations of each point are numbered from 1 (a swap read is one getpages I/O, a swap
 * write is one page written by putpages). A point fails operation `at` (default: `every`,
 * or 1), then every `every` operations after it (default: none), at most `count` times
 * (default: 1 without `every`, unlimited with it).
 */
export class SwapFaults {
  private readonly ops = new Map<string, number>();
  private readonly fired = new Map<string, number>();

  constructor(private readonly faults: MachineSpec['faults']) {}

  /** Counts one operation of the point; true if it is to fail. */
  hit(point: 'swap_read' | 'swap_write'): boolean {
    const n = (this.ops.get(point) ?? 0) + 1;
    this.ops.set(point, n);
    const f = this.faults[point];
    if (f === undefined) return false;
    const every = f.every;
    const at = f.at ?? every ?? 1;
    const limit = f.count ?? (every === undefined ? 1 : Infinity);
    const done = this.fired.get(point) ?? 0;
    if (done >= limit || n < at) return false;
    const due = every === undefined ? n - at < limit : (n - at) % every === 0;
    if (!due) return false;
    this.fired.set(point, done + 1);
    return true;
  }
}
