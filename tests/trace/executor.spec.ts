import { describe, expect, it } from 'vitest';
import { composeMachine, defaultMachine } from '@vmlab/core';
import type { Machine } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { readTrace } from '../../packages/lab/src/trace/readTrace.ts';
import { runTrace } from '../../packages/lab/src/trace/runTrace.ts';
import { TraceExecutor } from '../../packages/lab/src/trace/TraceExecutor.ts';
import type { TraceOp, TraceSink } from '../../packages/lab/src/trace/TraceOp.ts';
import { fixture } from './collect.ts';

const ARCHES = ['amd64', 'arm64'] as const;

function machine(arch: string): Promise<Machine> {
  return composeMachine({ ...defaultMachine(arch, arch), abi: 'linux', physmem: 256 << 20 }, defaultCatalog());
}

/** Run a trace with a hook called after each operation and access has been replayed. */
async function runWith(
  m: Machine,
  files: string[],
  after: { op?: (op: TraceOp, x: TraceExecutor) => void; access?: (pid: number, va: number, k: number, cow: boolean) => void },
) {
  const x = new TraceExecutor(m);
  const sink: TraceSink = {
    access(pid, va, k) {
      const c0 = m.counters.cowCopies;
      x.access(pid, va, k);
      after.access?.(pid, va, k, m.counters.cowCopies !== c0);
    },
    op(op) {
      x.op(op);
      after.op?.(op, x);
    },
    warn: (w) => x.warn(w),
  };
  const stats = await readTrace(files, sink);
  return { x, stats };
}

describe('TraceExecutor', () => {
  for (const arch of ARCHES) {
    describe(`when it runs hello world under lackey on ${arch}`, () => {
      it('should replay every call, map the image on first touch, and fault each page in once', async () => {
        const r = await runTrace([fixture('hello.lackey.gz')], await machine(arch));
        const stats = r.stats!;
        const f = r.figures;
        expect(f.refused).toEqual({});
        expect(f.notReplayed).toEqual({});
        expect(f.firstSignals).toEqual([]);
        expect(f.accesses).toBe(165760);
        expect(f.records).toBe(stats.records);
        expect(f.tlbHits + f.faults.total).toBe(f.records);
        expect(f.faults.total).toBe(f.faults.zeroFill + f.faults.cow + f.faults.pageIn + f.faults.soft);
        // the text pages of the image and the loader come from their files; the stack and bss are zero filled
        expect(f.faults.pageIn).toBeGreaterThanOrEqual(f.implicit.text);
        expect(f.faults.zeroFill).toBeGreaterThan(0);
        expect(f.implicit).toEqual({ text: stats.implicit.text, data: stats.implicit.data, stack: stats.implicit.stack });
        expect(f.syscalls.exit).toBe(1);
      });
    });

    describe(`when it runs a program that forks and sorts on ${arch}`, () => {
      it("should make the child's writes to the pages its parent wrote before the fork copy-on-write faults", async () => {
        const files = ['forksort.lackey.10996.gz', 'forksort.lackey.11054.gz'].map(fixture);
        let m: [number, number] | undefined;
        const cowInM = new Set<number>();
        const writesInM = new Set<number>();
        const { x } = await runWith(await machine(arch), files, {
          op(op) {
            if (op.op === 'mmap' && op.pid === 10996 && op.len === 1 << 20) m = [op.addr, op.addr + op.len];
          },
          access(pid, va, k, cow) {
            if (pid !== 11054 || m === undefined || va < m[0] || va >= m[1] || (k & 2) === 0) return;
            writesInM.add(va);
            if (cow) cowInM.add(va);
          },
        });
        // forksort.c: the parent memsets 128 KiB of m; the child writes one word in each of those 32 pages
        expect(writesInM.size).toBe(32);
        expect(cowInM.size).toBe(32);
        expect(x.figures.faults.cow).toBeGreaterThanOrEqual(32);
        expect(x.figures.refused).toEqual({});
        expect(x.figures.syscalls.wait).toBe(1);
      });
    });

    describe(`when it runs the gcc compile under strace on ${arch}`, () => {
      it('should replace the map at each exec, and reap every child', async () => {
        const mach = await machine(arch);
        const before: number[] = [];
        const after: number[] = [];
        const { x } = await runWith(mach, [fixture('gcc.strace')], {
          op(op) {
            if (op.op === 'fork') before.push(mach.kernel.proc(op.child)!.vmspace.map.size);
            if (op.op === 'execve') after.push(mach.kernel.proc(op.pid)!.vmspace.map.size);
          },
        });
        // a vfork child starts with its parent's mappings; its exec leaves none of them
        expect(before.every((n) => n > 10)).toBe(true);
        expect(after).toEqual([0, 0, 0, 0, 0]);
        expect(x.figures.refused).toEqual({});
        expect(x.figures.syscalls).toMatchObject({ spawn: 1, execve: 5, fork: 4, exit: 5, wait: 4, mmap: 147, munmap: 8, mprotect: 33 });
        for (const pid of [21879, 21880, 21881, 21882]) expect(mach.kernel.proc(pid)?.state ?? 'reaped').toBe('reaped');
        // gcc itself exited; its parent (the shell) is not in the trace to reap it
        expect(mach.kernel.proc(21878)!.state).toBe('zombie');
      });
    });
  }
});
