import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreCommand } from '@vmlab/cli';
import { outcomes, problems, runText } from '../../helpers/scenario.ts';

/**
 * OpenBSD sys/uvm/uvm_amap.c amap_wipeout, sys/uvm/uvm_anon.c uvm_anfree and uvm_anon_release,
 * sys/uvm/uvm_fault.c uvmfault_anonget and uvmfault_relock: an munmap that races a read fault
 * paging in from swap does not sleep on the page the fault keeps busy. uvm_anfree marks it
 * PG_RELEASED and leaves it to the fault; the fault, back from the I/O with the map read lock
 * taken again, frees the page and its swap slot (uvm_anon_release) and restarts (ERESTART),
 * finding the map the unmap (and a new mapping) left. FreeBSD's vm_object_page_remove sleeps
 * on the busy page instead (tests/kernel/map-lock.spec.ts, the same race under abi freebsd);
 * with UVM's relock-while-busy that sleep, taken with the map held, was a deadlock.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmlab-uvmrel-'));

const race = (schedule: string, cluster = 1) => `
name: munmap and a new mapping racing a read fault in the swap pager (UVM)
machine: { arch: amd64, abi: openbsd, policies: { swap.cluster: ${cluster} } }
explore: { expect: clean }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 0x11 }
  - write: { pid: 1, addr: a+1 page, value: 0x22 }
  - pageout: { pid: 1, addr: a, len: 2 pages }
  - check: { swap_used: {}, expect: { swap_used: 2 } }
  - thread: { pid: 1, tid: 1 }
  - concurrent:
      threads:
        - - read: { pid: 1, tid: 0, addr: a, expect: { one_of: [ { value: 0x11 }, { value: 0 } ] } }
        - - munmap: { pid: 1, tid: 1, addr: a, len: 2 pages }
          - mmap: { pid: 1, tid: 1, addr: a, len: 2 pages, prot: rw, flags: [private, anon, fixed] }
      schedule: ${schedule}
  - check: { pte: { pid: 1, addr: a }, swap_used: {} }
`;

async function explore(text: string, name: string) {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, text);
  const lines: string[] = [];
  const code = await exploreCommand(f, { json: true, log: join(dir, `${name}.jsonl`) }, (s) => lines.push(s));
  return { code, doc: JSON.parse(lines.join('\n')) };
}

const NEW_PAGE = { pte: { present: true, writable: true, executable: false, size: 4096, pkey: 0 }, swap_used: 0 };

describe('UVM: an munmap racing a page-in from swap (PG_RELEASED)', () => {
  describe('when the munmap and mmap run while the fault waits for its I/O buffer', () => {
    it('should release the busy page without sleeping, the fault freeing it and its swap and restarting onto the new mapping', async () => {
      const r = await runText(race('[0, 1, 0]'));
      expect(problems(r)).toBe('');
      const reasons = r.schedule.map((p) => p.reason);
      expect(reasons).toContain('swap_pager_getpages: wait for buffer');
      // munmap did not sleep on the busy page (FreeBSD's vm_object_page_remove would).
      expect(reasons).not.toContain('vm_object_page_remove: page busy');
      // The fault released the page and restarted (uvmexp flt_pgrele) ...
      expect(r.counters['fault.released']).toBe(1);
      // The unmap left the released page's swap slot to its I/O, which read it.
      expect(r.counters.pagein).toBe(1);
      // ... and the restart found the new anonymous mapping: a zero-filled page of its own.
      expect(r.steps.find((s) => s.op === 'read')!.outcome).toEqual({ value: 0 });
      // (the two writes that made the data zero-filled the first two)
      expect(r.counters.zero_fill).toBe(3);
      // The old object is gone with both of its swap blocks.
      expect(outcomes(r).at(-1)).toEqual(NEW_PAGE);
    });
  });

  describe('when the munmap and mmap run after the read, while the fault sleeps in its I/O', () => {
    it('should release the page the fault read and restart the fault onto the new mapping', async () => {
      const r = await runText(race('[0, 0, 1, 0]'));
      expect(problems(r)).toBe('');
      const reasons = r.schedule.map((p) => p.reason);
      expect(reasons).toContain('uvm_fault: pager I/O');
      expect(reasons).not.toContain('vm_object_page_remove: page busy');
      expect(r.counters['fault.released']).toBe(1);
      expect(r.counters.pagein).toBe(1);
      expect(r.steps.find((s) => s.op === 'read')!.outcome).toEqual({ value: 0 });
      expect(outcomes(r).at(-1)).toEqual(NEW_PAGE);
    });
  });

  describe('when the swap pager reads ahead (swap.cluster 8) and the munmap runs while it waits for its buffer', () => {
    it('should release the read-ahead page too, the pager freeing it and its block', async () => {
      const r = await runText(race('[0, 1, 0]', 8));
      expect(problems(r)).toBe('');
      expect(r.schedule.map((p) => p.reason)).not.toContain('vm_object_page_remove: page busy');
      // Both pages were read (the second as read-ahead), then both released and freed.
      expect(r.counters.pagein).toBe(2);
      expect(r.counters['fault.released']).toBe(1);
      expect(r.steps.find((s) => s.op === 'read')!.outcome).toEqual({ value: 0 });
      expect(outcomes(r).at(-1)).toEqual(NEW_PAGE);
    });
  });

  describe('when the fault completes before the munmap', () => {
    it('should read the swapped data and release nothing', async () => {
      const r = await runText(race('[0, 0, 0, 1]'));
      expect(problems(r)).toBe('');
      expect(r.counters['fault.released']).toBeUndefined();
      expect(r.steps.find((s) => s.op === 'read')!.outcome).toEqual({ value: 0x11 });
      // The munmap took the paged-in page and the swap with it; nothing touched the new mapping.
      expect(outcomes(r).at(-1)).toEqual({ pte: 'none', swap_used: 0 });
    });
  });

  describe('when the munmap takes only the faulting page and the object stays mapped', () => {
    const partial = `
name: an munmap of one page racing its page-in (UVM)
machine: { arch: amd64, abi: openbsd, policies: { swap.cluster: 1 } }
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
        - - read: { pid: 1, tid: 0, addr: a, expect: { one_of: [ { value: 0x11 }, { signal: SIGSEGV, code: SEGV_MAPERR } ] } }
        - - munmap: { pid: 1, tid: 1, addr: a, len: 1 page }
      schedule: [0, 1, 0]
  - check: { swap_used: {} }
  - read: { pid: 1, addr: a+1 page, expect: { value: 0x22 } }
`;

    it('should free the released page and its swap block only, the restarted fault finding no mapping', async () => {
      const r = await runText(partial);
      expect(problems(r)).toBe('');
      expect(r.counters['fault.released']).toBe(1);
      expect(r.steps.find((s) => s.op === 'read')!.outcome).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
      // The other page's block stays with the object, which the remaining entry still maps.
      expect(outcomes(r).at(-2)).toEqual({ swap_used: 1 });
    });

    it('should be clean under explore', async () => {
      const { code, doc } = await explore(partial, 'partial');
      expect(code).toBe(0);
      expect(doc.machines[0].violation).toBeUndefined();
      expect(doc.machines[0].complete).toBe(true);
    });
  });

  for (const cluster of [1, 8]) {
    it(`should be clean under explore over every schedule to the bound (swap.cluster ${cluster})`, async () => {
      const { code, doc } = await explore(race('[0, 1, 0]', cluster), `race-${cluster}`);
      expect(code).toBe(0);
      const m = doc.machines[0];
      expect(m.violation).toBeUndefined();
      expect(m.complete).toBe(true);
      expect(m.schedules).toBeGreaterThan(2);
    });
  }
});
