import { describe, expect, it } from 'vitest';
import { composeMachine, defaultMachine } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { GENERATORS, generate, generatorParams } from '../../packages/lab/src/trace/generators/generators.ts';
import { runGenerator } from '../../packages/lab/src/trace/runTrace.ts';
import type { TraceOp } from '../../packages/lab/src/trace/TraceOp.ts';

const machine = (arch: string) => composeMachine({ ...defaultMachine(arch, arch), abi: 'linux', physmem: 256 << 20 }, defaultCatalog());

function params(name: string, given: Record<string, number> = {}) {
  const g = GENERATORS.get(name)!;
  const p = generatorParams(g, given);
  if (typeof p === 'string') throw new Error(p);
  return { g, p };
}

/** The generator's output, recorded. */
function record(name: string, given: Record<string, number> = {}) {
  const { g, p } = params(name, given);
  const ops: TraceOp[] = [];
  const accesses: [number, number, number, number | undefined][] = [];
  generate(g, p, { op: (o) => ops.push(o), access: (pid, va, k, tid) => accesses.push([pid, va, k, tid]), warn: () => {} });
  return { ops, accesses };
}

describe('generators', () => {
  it('should give the same operations for the same parameters, and others for another seed', () => {
    expect(record('prefork')).toEqual(record('prefork'));
    expect(record('prefork', { seed: 2 }).accesses).not.toEqual(record('prefork').accesses);
  });

  it('should refuse an unknown parameter and a bad value', () => {
    const g = GENERATORS.get('jit')!;
    expect(generatorParams(g, { thread: 2 })).toMatch(/generator jit has no parameter 'thread'; it has pid, threads/);
    expect(generatorParams(g, { threads: -1 })).toMatch(/threads must be a whole number >= 0, got -1/);
  });

  for (const arch of ['amd64', 'arm64']) {
    describe(`when they run on ${arch}`, () => {
      it("prefork: should zero-fill the parent's heap once and make every worker write a COW fault", async () => {
        const { g, p } = params('prefork');
        const f = runGenerator(g, p, await machine(arch)).figures;
        expect(f.refused).toEqual({});
        expect(f.faults.zeroFill).toBe(p.heapPages);
        expect(f.faults.cow).toBe(p.workers! * Math.floor((p.heapPages! * p.writePct!) / 100));
        expect(f.syscalls).toMatchObject({ fork: p.workers, wait: p.workers, exit: p.workers! + 1 });
      });

      it('allocator: should zero-fill the arena once and replay every reusable/reuse advice', async () => {
        const { g, p } = params('allocator');
        const f = runGenerator(g, p, await machine(arch)).figures;
        expect(f.refused).toEqual({});
        const freed = Math.floor((p.chunks! * p.freePct!) / 100);
        expect(f.syscalls.madvise).toBe(2 * p.rounds! * freed);
        expect(f.faults.zeroFill).toBeGreaterThanOrEqual(p.chunks! * p.chunkPages!);
        expect(f.faults.protection + f.faults.unmapped + f.faults.keyGuard).toBe(0);
      });

      it("jit: should fault on the other threads' keys on amd64 and on missed landing pads on arm64", async () => {
        const { g, p } = params('jit');
        const { accesses } = record('jit');
        const heapOwner = (va: number) => Math.floor((va - 0x500000000) / 0x10000000);
        const cross = accesses.filter(([, va, k, tid]) => k === 1 && va >= 0x500000000 && va < 0x600000000 && heapOwner(va) !== tid! - p.pid! * 10 - 1).length;
        const missed = accesses.filter(([, va, k]) => k === 12 && va % 4096 !== 0).length;
        expect(cross).toBeGreaterThan(0);
        expect(missed).toBeGreaterThan(0);
        const f = runGenerator(g, p, await machine(arch)).figures;
        expect(f.refused).toEqual({});
        if (arch === 'amd64') {
          expect(f.faults.keyGuard).toBe(cross);
          expect(f.notReplayed).toEqual({ 'PROT bti: not on this machine (mapped without it)': p.threads! * p.rounds! });
        } else {
          expect(f.faults.keyGuard).toBe(missed);
          expect(f.notReplayed['pkey_alloc: no protection keys on this machine']).toBe(p.threads);
        }
      });

      it('debugger-tree: should hold and release every process of the tree and refuse nothing', async () => {
        const { g, p } = params('debugger-tree');
        const f = runGenerator(g, p, await machine(arch)).figures;
        const n = (p.fanout! ** (p.depth! + 1) - 1) / (p.fanout! - 1);
        expect(f.syscalls).toMatchObject({ hold: n, release: n, exit: n, fork: n - 1, wait: n - 1, debug_access: 2 * n });
        expect(f.refused).toEqual({});
        expect(f.faults.cow).toBeGreaterThan(0);
      });
    });
  }
});
