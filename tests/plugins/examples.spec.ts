import { describe, expect, it } from 'vitest';
import { compareReports } from '@vmlab/lab';
import { exampleScenario, problems, runScenario } from '../helpers/scenario.ts';

describe('plugin examples', () => {
  describe('when compare-three-arches runs on amd64, arm64 and riscv64 (by path)', () => {
    it("should hold every expectation, agree on every MI step and count each arch's remote invalidation", async () => {
      const s = exampleScenario('compare-three-arches.yaml');
      const reports = await runScenario(s);
      expect(reports.map((r) => r.machine)).toEqual(['amd64', 'arm64', 'riscv64']);
      for (const r of reports) expect(problems(r)).toBe('');
      const c = compareReports(s, reports);
      expect(c.firstMiDivergence).toBeNull();
      expect(reports.map((r) => [r.counters['tlb.ipi'] ?? 0, r.counters['tlb.broadcast'] ?? 0, r.counters['tlb.remote_fence'] ?? 0])).toEqual([
        [4, 0, 0],
        [0, 3, 0],
        [0, 0, 3],
      ]);
    });
  });

  describe('when compare-key-placement runs the rangeset and the pkru-on-entries plugin', () => {
    it('should hold every expectation and differ first on the never-faulted munmap', async () => {
      const s = exampleScenario('compare-key-placement.yaml');
      const reports = await runScenario(s);
      for (const r of reports) expect(problems(r)).toBe('');
      const c = compareReports(s, reports);
      expect(c.firstDivergence).toMatchObject({ op: 'check', line: 19 });
      expect(c.firstMiDivergence).toMatchObject({ op: 'read', line: 42 });
      const entries = reports.find((r) => r.machine === 'entries')!;
      expect(entries.counters['pkru.entry_keys']).toBe(3);
    });
  });

  describe('when fork-inherit runs on the riscv64 machine file', () => {
    it('should hold every expectation', async () => {
      const [r] = await runScenario(exampleScenario('fork-inherit.yaml'), ['examples/machines/riscv64.yaml']);
      expect(r!.machine).toBe('riscv64');
      expect(problems(r!)).toBe('');
    });
  });
});
