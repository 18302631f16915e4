/** `generate`: a workload generator run on the scenario's machine as one step, summed up. */
import type { Machine } from '@vmlab/core';
import type { Step } from '../scenario/ast.ts';
import { GENERATORS, generate, generatorParams } from '../trace/generators/generators.ts';
import { TraceExecutor } from '../trace/TraceExecutor.ts';
import { RunError } from './RunReport.ts';

export function generateStep(machine: Machine, s: Step): unknown {
  const g = GENERATORS.get(s.args.name as string)!;
  const given: Record<string, number> = {};
  for (const kv of s.args.params as string[]) {
    const [key, v] = kv.split('=');
    given[key!] = Number(v);
  }
  const params = generatorParams(g, given);
  if (typeof params === 'string') throw new RunError(params, s.pos);
  const x = new TraceExecutor(machine);
  let accesses = 0;
  try {
    const ops = generate(g, params, {
      access(pid, va, k, tid) {
        accesses++;
        x.access(pid, va, k, tid);
      },
      op: (o) => x.op(o),
      warn: (w) => x.warn(w),
    });
    const f = x.finish(accesses, 0).faults;
    const sum = (r: Record<string, number>): number => Object.values(r).reduce((m, v) => m + v, 0);
    return {
      ok: true,
      ops,
      accesses,
      faults: f.total,
      zero_fill: f.zeroFill,
      cow: f.cow,
      pagein: f.pageIn,
      soft: f.soft,
      signals: f.protection + f.keyGuard + f.unmapped,
      refused: sum(x.figures.refused),
      not_replayed: sum(x.figures.notReplayed),
    };
  } finally {
    x.dispose();
  }
}
