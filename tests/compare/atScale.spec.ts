import { compareJson, compareScenario, defaultCatalog, formatCompare, loadScenario, scenarioMachines } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';
import { tempTrace } from '../trace/collect.ts';

/** A long run where two machines part at one step in the middle (madvise.reuse keep vs zero). */
const LONG = `name: long run
machines: [amd64, { name: reuse-zero, arch: amd64, policies: { madvise.reuse: zero } }]
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 16 pages, prot: rw, flags: [private, anon], as: a }
  - repeat: { times: 150, steps: [ { write: { pid: 1, addr: a+$i*4, value: $i } } ] }
  - madvise: { pid: 1, addr: a, len: 1 page, advice: free_reusable }
  - madvise: { pid: 1, addr: a, len: 1 page, advice: free_reuse }
  - read: { pid: 1, addr: a+4 }
  - repeat: { times: 150, steps: [ { touch: { pid: 1, addr: a, len: 16 pages, access: read } } ] }
`;

describe('compare at scale', () => {
  describe('when a run has more steps than a table can show', () => {
    it('should show the first machine-independent divergence with its context, and the counters by phase', async () => {
      const f = tempTrace(LONG, 'long.yaml');
      const catalog = defaultCatalog();
      const s = loadScenario(f);
      const c = await compareScenario(s, scenarioMachines(s, catalog, undefined), catalog);
      expect(c.rows).toHaveLength(305);
      expect(c.firstMiDivergence).toMatchObject({ index: 154, op: 'read' });
      const text = formatCompare(c);
      expect(text).toContain('305 steps, 1 with differing outcomes (1 machine-independent, 0 machine-dependent); the steps around the first divergences');
      const shown = text
        .split('\n')
        .filter((l) => /^ {2}[ ≠≈] \d+ /.test(l))
        .map((l) => Number(l.slice(4).trim().split(/\s+/)[0]));
      expect(shown).toEqual([151, 152, 153, 154, 155, 156, 157]);
      expect(text).toMatch(/^ {2}≠ 154 +9 +read +\{ value: 1 \} +│ \{ value: 0 \}/m);
      expect(text).toContain('by phase (counter increase per range of steps):');
      expect(text).toMatch(/^ {4}faults +amd64 +/m);
      // every step is still in the JSON, with the counters over time
      const j = compareJson(c) as { steps: unknown[]; series: Record<string, { steps: number }[]> };
      expect(j.steps).toHaveLength(305);
      expect(j.series.amd64!.at(-1)!.steps).toBe(305);
      expect(j.series.amd64!.length).toBeGreaterThan(40);
    });
  });

  describe('when a run is short', () => {
    it('should show every step and no phases', async () => {
      const f = tempTrace(LONG.replace(/times: 150/g, 'times: 3'), 'short.yaml');
      const catalog = defaultCatalog();
      const s = loadScenario(f);
      const c = await compareScenario(s, scenarioMachines(s, catalog, undefined), catalog);
      const text = formatCompare(c);
      expect(text).not.toContain('by phase');
      expect(text.split('\n').filter((l) => /^ {2}[ ≠≈] \d+ /.test(l))).toHaveLength(c.rows.length);
    });
  });
});
