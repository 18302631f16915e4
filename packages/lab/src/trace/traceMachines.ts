import { createWriteStream, type WriteStream } from 'node:fs';
import { type Catalog, MachineError, type Machine, composeMachine } from '@vmlab/core';
import { InputError } from '../scenario/InputError.ts';
import type { NamedMachine } from '../scenario/loadScenario.ts';
import { GENERATORS, generate, generatorParams } from './generators/generators.ts';
import { readTrace } from './readTrace.ts';
import { TraceError } from './TraceError.ts';
import { TraceExecutor } from './TraceExecutor.ts';
import type { TraceFigures } from './TraceFigures.ts';
import type { TraceOp, TraceSink, TraceWarning } from './TraceOp.ts';
import type { TraceStats } from './TraceStats.ts';

/** What to run: trace files, or a generator with its parameters. */
export type TraceInput = { files: string[] } | { generator: string; params: Record<string, number> };

export interface MachineTrace {
  machine: string;
  figures: TraceFigures;
  warnings: TraceWarning[];
  stats: TraceStats | undefined;
}

/**
 * A trace's machine: the named machine with `abi: linux` (a trace is a Linux program's) unless its machine
 * file set the ABI.
 */
export async function traceMachine(m: NamedMachine, catalog: Catalog): Promise<Machine> {
  const explicitAbi = m.spec.positions?.abi !== undefined;
  try {
    return await composeMachine(explicitAbi ? m.spec : { ...m.spec, abi: 'linux' }, catalog, [], m.name);
  } catch (e) {
    if (e instanceof MachineError) throw new InputError(e.message);
    throw e;
  }
}

/** Check a generator name and parameters before anything runs (bad input: InputError). */
export function resolveGenerator(name: string, given: Record<string, number>) {
  const g = GENERATORS.get(name);
  if (g === undefined) throw new InputError(`unknown generator '${name}'; generators: ${[...GENERATORS.keys()].join(', ')}`);
  const params = generatorParams(g, given);
  if (typeof params === 'string') throw new InputError(params);
  return { g, params };
}

/**
 * Run the input on each machine in turn (each reads the trace again, so each machine's wall time is its
 * own). `logPath(machine)` names a JSON-lines log of what each operation became on that machine.
 */
export async function traceMachines(
  input: TraceInput,
  machines: readonly NamedMachine[],
  catalog: Catalog,
  logPath?: (machine: string) => string,
): Promise<MachineTrace[]> {
  const gen = 'generator' in input ? resolveGenerator(input.generator, input.params) : undefined;
  const out: MachineTrace[] = [];
  for (const nm of machines) {
    const m = await traceMachine(nm, catalog);
    const x = new TraceExecutor(m);
    const log = logPath === undefined ? undefined : createWriteStream(logPath(nm.name));
    let accesses = 0;
    const sink: TraceSink = log === undefined && gen === undefined ? x : logged(x, log, () => accesses++);
    if (log) log.write(`${JSON.stringify({ kind: 'trace', machine: nm.name, spec: m.spec, input })}\n`);
    const t0 = performance.now();
    let stats: TraceStats | undefined;
    try {
      if (gen) generate(gen.g, gen.params, sink);
      else if ('files' in input) stats = await readTrace(input.files, sink);
    } catch (e) {
      if (e instanceof TraceError) throw new InputError(e.message);
      throw e;
    } finally {
      const wall = performance.now() - t0;
      x.finish(stats?.accesses ?? accesses, wall);
      if (log) await closeLog(log, x.figures);
    }
    out.push({ machine: nm.name, figures: x.figures, warnings: x.warnings, stats });
  }
  return out;
}

/** A sink that passes everything to the executor, counts accesses, and logs each operation with its result. */
function logged(x: TraceExecutor, log: WriteStream | undefined, count: () => void): TraceSink {
  let seq = 0;
  return {
    access(pid, va, k, tid) {
      count();
      x.access(pid, va, k, tid);
    },
    op(op: TraceOp) {
      if (log === undefined) {
        x.op(op);
        return;
      }
      const f = x.figures;
      const before = { refused: sumOf(f.refused), skipped: sumOf(f.notReplayed), faults: f.faults.total, records: f.records };
      x.op(op);
      const result = sumOf(f.refused) !== before.refused ? 'refused' : sumOf(f.notReplayed) !== before.skipped ? 'not replayed' : 'replayed';
      log.write(`${JSON.stringify({ seq: ++seq, ...op, result, faultsBefore: before.faults, recordsBefore: before.records })}\n`);
    },
    warn: (w) => x.warn(w),
  };
}

function sumOf(r: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(r)) n += v;
  return n;
}

function closeLog(log: WriteStream, figures: TraceFigures): Promise<void> {
  log.write(`${JSON.stringify({ kind: 'figures', ...figures })}\n`);
  return new Promise((res, rej) => log.end((e?: Error | null) => (e ? rej(e) : res())));
}
