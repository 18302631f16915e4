/**
 * The cost of checking invariants after every step as the machine grows (issue 19 §5): a
 * scenario of N `spawn` steps run with `run --check` semantics (every invariant after every
 * step), timed whole, for N = 1,000, 2,000 and 4,000; the same without checks; and a full
 * check (VMLAB_CHECK=full, every invariant over the whole machine) at the smaller sizes, whose
 * time per spawn grows with N where the incremental check's stays flat
 * (docs/invariants.md "Incremental checking").
 */
import { InvariantRegistry } from '@vmlab/core';
import { defaultCatalog, parseScenario, runOnMachine, scenarioMachines } from '@vmlab/lab';

export interface CheckRate {
  spawns: number;
  /** Microseconds per spawn: incremental checks, no checks, full checks (null: not run at this size). */
  incrementalUs: number;
  uncheckedUs: number;
  fullUs: number | null;
}

async function timeSpawns(n: number, check: boolean, mode: 'incremental' | 'full'): Promise<number> {
  const catalog = defaultCatalog();
  const lines = ['name: spawns', 'machine: amd64', 'steps:'];
  for (let i = 1; i <= n; i++) lines.push(`  - spawn: { pid: ${i} }`);
  const s = parseScenario(lines.join('\n'), 'spawns.yaml');
  const m = scenarioMachines(s, catalog, undefined)[0]!;
  const saved = process.env.VMLAB_CHECK;
  if (mode === 'full') process.env.VMLAB_CHECK = 'full';
  try {
    if (new InvariantRegistry().mode !== mode) throw new Error('bench: VMLAB_CHECK did not select the mode');
    const t0 = performance.now();
    const r = await runOnMachine(s, m, catalog, { check });
    const ms = performance.now() - t0;
    if (r.violations.length > 0 || r.failures.length > 0) throw new Error('bench: the spawn scenario failed');
    return (ms * 1000) / n;
  } finally {
    if (saved === undefined) delete process.env.VMLAB_CHECK;
    else process.env.VMLAB_CHECK = saved;
  }
}

/** Time per spawn with checks at each size; full checks only up to `fullUpTo` spawns (they grow quadratically). */
export async function checkRates(sizes: readonly number[], fullUpTo: number): Promise<CheckRate[]> {
  // one warm-up run, so the first size does not carry the compilation
  await timeSpawns(200, true, 'incremental');
  const out: CheckRate[] = [];
  for (const n of sizes) {
    out.push({
      spawns: n,
      incrementalUs: await timeSpawns(n, true, 'incremental'),
      uncheckedUs: await timeSpawns(n, false, 'incremental'),
      fullUs: n <= fullUpTo ? await timeSpawns(n, true, 'full') : null,
    });
  }
  return out;
}
