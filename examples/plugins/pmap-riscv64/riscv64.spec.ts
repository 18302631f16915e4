import { composeMachine } from '@vmlab/core';
import { defaultCatalog, machineInvariants, parseScenario, pluginMachine, runConformance, ScenarioRunner } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

const RISCV64 = pluginMachine(new URL('./index.ts', import.meta.url), { name: 'riscv64' });

async function run(yaml: string, cpus = 2) {
  const s = parseScenario(`name: riscv64 test\n${yaml}`, 'riscv64-test.yaml');
  const m = await composeMachine({ ...RISCV64, cpus }, defaultCatalog(), s.files, 'riscv64');
  return new ScenarioRunner(m, s, { check: true, invariants: machineInvariants(m) }).run();
}

describe('pmap-riscv64', () => {
  describe('when loaded by path', () => {
    it('should pass the conformance suite', async () => {
      const results = await runConformance(RISCV64, defaultCatalog());
      expect(results.length).toBeGreaterThan(5);
      expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.problems.join('; ')}`)).toEqual([]);
    });

    it('should check its own sv48_pte invariant on every step', async () => {
      const r = await run('steps:\n  - spawn: { pid: 1 }\n');
      const m = await composeMachine(RISCV64, defaultCatalog(), [], 'riscv64');
      expect(machineInvariants(m).has('sv48_pte')).toBe(true);
      expect(r.violations).toEqual([]);
    });
  });

  describe('when a page is mapped write-only or execute-only', () => {
    it('should map a writable page readable (no W without R) and keep execute-only pages unreadable', async () => {
      const r = await run(`
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: w, flags: [private, anon], as: w }
  - write: { pid: 1, addr: w, value: 5 }
  - check: { pte: { pid: 1, addr: w }, expect: { pte: { present: true, writable: true, executable: false } } }
  - mmap: { pid: 1, len: 1 page, prot: x, flags: [private, anon], as: x }
  - fetch: { pid: 1, addr: x, expect: { value: 0 } }
  - check: { pte: { pid: 1, addr: x }, expect: { pte: { present: true, writable: false, executable: true } } }
  - read: { pid: 1, addr: x, expect: { signal: SIGSEGV, code: SEGV_ACCERR } }
`);
      expect(r.failures.map((f) => f.failure)).toEqual([]);
      expect(r.violations).toEqual([]);
    });
  });

  describe('when asked for protection keys or guarded pages', () => {
    it('should answer as an arch without them', async () => {
      const r = await run(`
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }
  - sysarch: { pid: 1, op: set_pkru, addr: a, len: 1 page, key: 1, expect: { errno: EINVAL } }
  - sysarch: { pid: 1, op: guard_page, addr: a, len: 1 page, expect: { errno: EINVAL } }
  - pkey_set: { pid: 1, key: 1, deny: write, expect: { errno: EOPNOTSUPP } }
  - wrpkru: { pid: 1, value: 0, expect: { errno: EOPNOTSUPP } }
  - check: { pkey: { pid: 1, addr: a }, guarded: { pid: 1, addr: a }, pkru: { pid: 1 }, expect: { pkey: none, guarded: none, pkru: none } }
`);
      expect(r.failures.map((f) => f.failure)).toEqual([]);
    });
  });

  describe('when a two-hart process unmaps a page both harts used', () => {
    it('should fence locally and send one remote fence per invalidation', async () => {
      const r = await run(`
steps:
  - spawn: { pid: 1, cpu: 0 }
  - thread: { pid: 1, tid: 1, cpu: 1 }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - read: { pid: 1, tid: 1, addr: a, expect: { value: 1 } }
  - munmap: { pid: 1, addr: a, len: 1 page }
  - read: { pid: 1, tid: 1, addr: a, expect: { signal: SIGSEGV, code: SEGV_MAPERR } }
`);
      expect(r.failures.map((f) => f.failure)).toEqual([]);
      expect(r.counters['tlb.remote_fence']).toBe(1);
      expect(r.counters['tlb.sfence_vma']).toBe(2);
      expect(r.counters['tlb.ipi'] ?? 0).toBe(0);
    });

    it('should send no remote fence on one hart', async () => {
      const r = await run(
        'steps:\n  - spawn: { pid: 1 }\n  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }\n  - write: { pid: 1, addr: a, value: 1 }\n  - munmap: { pid: 1, addr: a, len: 1 page }\n',
        1,
      );
      expect(r.counters['tlb.remote_fence'] ?? 0).toBe(0);
      expect(r.counters['tlb.sfence_vma']).toBeGreaterThan(0);
    });
  });
});
