import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { EXAMPLES, exampleScenario, outcomes, problems, runScenario, runText } from '../helpers/scenario.ts';

/**
 * The map lock on every path that changes the map (FreeBSD vm_map_lock; the read lock for
 * msync and madvise): munmap, mprotect, minherit, mlock, munlock and mmap wait for a fork
 * that holds it, and a fault that slept in its pager while one of them ran faults again.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmlab-maplock-'));

async function explore(file: string) {
  const lines: string[] = [];
  const code = await exploreCommand(file, { json: true, log: join(dir, 'x.jsonl') }, (s) => lines.push(s));
  return { code, doc: JSON.parse(lines.join('\n')) };
}

describe('the map lock', () => {
  describe('when a write fault, a fork sleeping in the split and an munmap of the same range race (three threads)', () => {
    it('should make the munmap wait for the lock fork holds, and hold every invariant', async () => {
      const [r] = await runScenario(exampleScenario('explore-map-lock.yaml'));
      expect(problems(r!)).toBe('');
      const reasons = r!.schedule.map((p) => p.reason);
      expect(reasons).toContain('vm_object_split: page busy');
      expect(reasons).toContain('map: wait exclusive');
    });

    it('should be clean under explore over every schedule to the bound', async () => {
      const { code, doc } = await explore(resolve(EXAMPLES, 'explore-map-lock.yaml'));
      expect(code).toBe(0);
      const m = doc.machines[0];
      expect(m.violation).toBeUndefined();
      expect(m.complete).toBe(true);
      expect(m.schedules).toBeGreaterThan(5);
    });
  });

  const pagerRace = (racer: string, expectRead: string) => `
name: a map change racing a fault that slept in the pager
machine: { arch: amd64, policies: { swap.cluster: 1 } }
explore: { expect: clean }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 0x11 }
  - write: { pid: 1, addr: a+1 page, value: 0x22 }
  - pageout: { pid: 1, addr: a, len: 2 pages }
  - thread: { pid: 1, tid: 1 }
  - concurrent:
      threads:
        - - read: { pid: 1, tid: 0, addr: a, expect: ${expectRead} }
        - ${racer}
      schedule: [0, 1, 0]
  - check: { pte: { pid: 1, addr: a }, swap_used: {} }
`;

  describe('when an munmap and a new mapping at the same place run while a read fault sleeps in the swap pager', () => {
    const text = pagerRace(
      `- munmap: { pid: 1, tid: 1, addr: a, len: 2 pages }
          - mmap: { pid: 1, tid: 1, addr: a, len: 2 pages, prot: rw, flags: [private, anon, fixed] }`,
      '{ one_of: [ { value: 0x11 }, { value: 0 } ] }',
    );

    it('should make the munmap wait for the page-in, the fault retry and install the new mapping page, the old object freed with its swap', async () => {
      const r = await runText(text);
      expect(problems(r)).toBe('');
      const read = r.steps.find((s) => s.op === 'read')!;
      expect(read.outcome).toEqual({ value: 0 });
      const reasons = r.schedule.map((p) => p.reason);
      expect(reasons).toContain('swap_pager_getpages: wait for buffer');
      // vm_map_delete sleeps in vm_object_page_remove on the page busy for the page-in.
      expect(reasons).toContain('vm_object_page_remove: page busy');
      // The new anonymous page is the entry's own (zero-filled, mapped with the entry's rights).
      expect(outcomes(r).at(-1)).toEqual({ pte: { present: true, writable: true, executable: false, size: 4096, pkey: 0 }, swap_used: 0 });
    });

    it('should be clean under explore', async () => {
      const f = join(dir, 'munmap-pager.yaml');
      (await import('node:fs')).writeFileSync(f, text);
      const { code, doc } = await explore(f);
      expect(code).toBe(0);
      expect(doc.machines[0].violation).toBeUndefined();
    });
  });

  describe('when an mprotect to read-only runs while a read fault sleeps in the swap pager', () => {
    it('should make the fault retry and install the page read-only, with its data', async () => {
      const r = await runText(pagerRace('- mprotect: { pid: 1, tid: 1, addr: a, len: 2 pages, prot: r }', '{ value: 0x11 }'));
      expect(problems(r)).toBe('');
      expect(r.schedule.map((p) => p.reason)).toContain('swap_pager_getpages: wait for buffer');
      expect(outcomes(r).at(-1)).toEqual({ pte: { present: true, writable: false, executable: false, size: 4096, pkey: 0 }, swap_used: 2 });
    });
  });

  describe('when an mprotect to none runs while a read fault sleeps in the swap pager', () => {
    it('should make the retried fault fail with SIGSEGV/SEGV_ACCERR and map nothing', async () => {
      const r = await runText(pagerRace('- mprotect: { pid: 1, tid: 1, addr: a, len: 2 pages, prot: none }', '{ signal: SIGSEGV, code: SEGV_ACCERR }'));
      expect(problems(r)).toBe('');
      expect(outcomes(r).at(-1)).toMatchObject({ pte: 'none' });
    });
  });
});
