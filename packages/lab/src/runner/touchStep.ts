/**
 * `touch`: one step that touches a range page by page (or by `stride`), sequentially or in a seeded
 * random order, and sums up what happened: pages touched, faults by kind, and the first signal, which
 * stops it.
 */
import { prng } from '../trace/generators/TraceGenerator.ts';
import { Access, type KGen, type Machine, type Process, type Thread } from '@vmlab/core';
import type { Step } from '../scenario/ast.ts';
import { resolveAddr } from './stepArgs.ts';

export function* touchStep(machine: Machine, p: Process, t: Thread, s: Step): KGen<unknown> {
  const k = machine.kernel;
  const a = s.args;
  const base = resolveAddr(p, a.addr, s);
  const len = a.len as number;
  const stride = (a.stride as number | undefined) ?? 4096;
  if (stride <= 0 || stride % 4 !== 0) return k.errno('EINVAL');
  const n = Math.ceil(len / stride);
  const order = Array.from({ length: n }, (_, i) => i);
  if (a.order === 'random') {
    const rand = prng((a.seed as number | undefined) ?? 1);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  const access = a.access === 'write' ? Access.Write : a.access === 'exec' ? Access.Execute : Access.Read;
  const c = k.counters;
  const bus = machine.bus;
  let touched = 0;
  let zero = 0;
  let cow = 0;
  let pagein = 0;
  let soft = 0;
  let signal: Record<string, unknown> | undefined;
  for (const i of order) {
    const va = base + i * stride;
    const before = { f: c.faultsResolved, z: c.zeroFills, cow: c.cowCopies, pin: bus.kind.pagein.n };
    const out = (yield* k.accessStep(p, t, va, access, access === Access.Write ? ((a.value as number | undefined) ?? 0) : undefined)) as Record<
      string,
      unknown
    >;
    if (c.faultsResolved !== before.f) {
      if (c.cowCopies !== before.cow) cow++;
      else if (bus.kind.pagein.n !== before.pin) pagein++;
      else if (c.zeroFills !== before.z) zero++;
      else soft++;
    }
    if (out.signal !== undefined || out.errno !== undefined || out.error !== undefined) {
      signal = out;
      break;
    }
    touched++;
  }
  const summary = { pages: touched, faults: zero + cow + pagein + soft, zero_fill: zero, cow, pagein, soft };
  return signal === undefined ? { ok: true, ...summary } : { ...signal, ...summary };
}
