import { describe, expect, it } from 'vitest';
import { type RunOnce, type RunReport, type Step, Prng, TraceClass, explore } from '@vmlab/lab';

/**
 * The reduced dfs on small random programs (no machine): threads run sequences of
 * transitions on shared variables and locks; two threads are dependent when they share one.
 * A thread waiting for a lock another holds is not runnable, so the programs have blocking
 * points (where a switch is no preemption) as well as preemptions. For each program and bound
 * the reduced search must run a representative of every trace the unreduced one runs.
 */
type Op = { kind: 'acc'; v: number } | { kind: 'acq'; l: number } | { kind: 'rel'; l: number };

function program(rng: Prng): Op[][] {
  const threads = 2 + rng.below(3);
  const vars = 1 + rng.below(4);
  return Array.from({ length: threads }, () => {
    const ops: Op[] = [];
    const n = 1 + rng.below(threads > 3 ? 2 : 3);
    for (let i = 0; i < n; i++) {
      if (rng.below(3) === 0) {
        const l = rng.below(2);
        ops.push({ kind: 'acq', l }, { kind: 'acc', v: rng.below(vars) }, { kind: 'rel', l });
      } else ops.push({ kind: 'acc', v: rng.below(vars) });
    }
    return ops;
  });
}

const key = (o: Op): string => (o.kind === 'acc' ? `v${o.v}` : `l${o.l}`);

function dependence(p: Op[][]): boolean[][] {
  const touched = p.map((ops) => new Set(ops.map(key)));
  return p.map((_a, i) => p.map((_, j) => i === j || [...touched[i]!].some((x) => touched[j]!.has(x))));
}

const STEP = { op: 'concurrent', args: {}, pos: { file: 'model', line: 1, col: 1 } } as unknown as Step;
const CLEAN = { violations: [], failures: [] } as unknown as RunReport;

/** A RunOnce over the program: each transition is one scheduling point. Collects every finished schedule's trace. */
function model(p: Op[][], classes: Set<string>): RunOnce {
  const dep = dependence(p);
  return async (hooks) => {
    const pc = p.map(() => 0);
    const holder = new Map<number, number>();
    let cls = TraceClass.EMPTY.segment(dep);
    hooks.onConcurrent(dep, STEP);
    for (let point = 0; ; point++) {
      const rs: number[] = [];
      for (let t = 0; t < p.length; t++) {
        const op = p[t]![pc[t]!];
        if (op === undefined) continue;
        if (op.kind === 'acq' && holder.has(op.l) && holder.get(op.l) !== t) continue;
        rs.push(t);
      }
      if (rs.length === 0) break;
      const c = hooks.chooser(rs, point, []);
      hooks.onSchedule({ runnable: rs, chosen: c, reason: 'model' }, STEP);
      const op = p[c]![pc[c]!]!;
      if (op.kind === 'acq') holder.set(op.l, c);
      if (op.kind === 'rel') holder.delete(op.l);
      pc[c]!++;
      cls = cls.after(c);
    }
    classes.add(cls.key());
    return CLEAN;
  };
}

async function classesOf(p: Op[][], bound: number, reduction: boolean): Promise<{ classes: Set<string>; schedules: number; sleep: number }> {
  const classes = new Set<string>();
  const r = await explore(model(p, classes), { strategy: 'dfs', bound, seed: 1, runs: 1_000_000, reduction, snapshots: false });
  expect(r.complete).toBe(true);
  return { classes, schedules: r.schedules, sleep: r.stats.pruned.sleep ?? 0 };
}

describe('the reduced dfs on random programs', () => {
  it('should run a representative of every trace the unreduced dfs runs, at bounds 0 to 2', async () => {
    const rng = new Prng(2013);
    let pruned = 0;
    let saved = 0;
    for (let n = 0; n < 60; n++) {
      const p = program(rng);
      for (const bound of [0, 1, 2]) {
        const full = await classesOf(p, bound, false);
        const red = await classesOf(p, bound, true);
        for (const k of full.classes) expect(red.classes.has(k), `program ${JSON.stringify(p)} bound ${bound}: trace ${k}`).toBe(true);
        expect(red.schedules).toBeLessThanOrEqual(full.schedules);
        pruned += red.sleep;
        saved += full.schedules - red.schedules;
      }
    }
    // The programs exercise the reduction (not a vacuous pass).
    expect(pruned).toBeGreaterThan(100);
    expect(saved).toBeGreaterThan(100);
  });
});
