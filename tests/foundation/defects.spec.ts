import { describe, expect, it } from 'vitest';
import { outcomes, problems, runText } from '../helpers/scenario.ts';

/** Regression tests for defects found by running real scenarios (issue 12, §4), each named after it. */

describe('kernel-vmspace-object-refs: object_refs missed the entries of the kernel vmspace', () => {
  describe('when two kernel threads share the kernel vmspace and one writes into it (openbsd, purge_in_exit)', () => {
    it('should count the kernel vmspace entry as the reference it is, and let the other thread read the word', async () => {
      const r = await runText(`
name: kernel threads share the kernel vmspace
machine: { arch: amd64, abi: openbsd, policies: { exit.teardown: purge_in_exit } }
steps:
  - spawn: { pid: 1, kernel: true }
  - spawn: { pid: 2, kernel: true }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: k }
  - write: { pid: 1, addr: k, value: 5 }
  - read: { pid: 2, addr: 0x10000000 }
  - check: { map_entries: { pid: 2 }, object: { pid: 2, addr: 0x10000000 } }
  - exit: { pid: 1 }
  - check: { map_entries: { pid: 2 } }
`);
      expect(problems(r)).toBe('');
      expect(r.violations).toEqual([]);
      const o = outcomes(r);
      expect(o[4]).toEqual({ value: 5 });
      expect(o[5]).toMatchObject({ map_entries: 1, object: { depth: 0, refs: 1 } });
      // A kernel thread never purges the shared map.
      expect(o[7]).toEqual({ map_entries: 1 });
    });
  });
});

describe('zap-keeps-private-cows: revoke in zap mode without even_cows removed the PTE of a private copy', () => {
  const scenario = (evenCows: boolean) => `
name: zap without even_cows
machine: { arch: amd64, policies: { revoke.mode: zap } }
files:
  - { path: /f, size: 2 pages, fill: 0xf00df00d }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private], file: /f, as: cow }
  - write: { pid: 1, addr: cow, value: 0xc0c0 }
  - read: { pid: 1, addr: cow+1 page }
  - check: { rss: { pid: 1 } }
  - revoke: { file: /f, even_cows: ${evenCows} }
  - check: { pte: { pid: 1, addr: cow }, rss: { pid: 1 } }
  - check: { pte: { pid: 1, addr: cow+1 page } }
  - read: { pid: 1, addr: cow }
  - read: { pid: 1, addr: cow+1 page }
`;

  describe('when even_cows is false (Linux unmap_mapping_range with even_cows = 0)', () => {
    it("should zap only the file page's PTE and keep the anonymous copy mapped (should_zap_folio)", async () => {
      const r = await runText(scenario(false));
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o[4]).toEqual({ rss: 2 });
      expect(o[6]).toEqual({ pte: { present: true, writable: true, executable: false, size: 4096, pkey: 0 }, rss: 1 });
      expect(o[7]).toEqual({ pte: 'none' });
      expect(o[8]).toEqual({ value: 0xc0c0 });
      expect(o[9]).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    });
  });

  describe('when even_cows is true', () => {
    it('should zap the private copy too, so its next access is SIGBUS', async () => {
      const r = await runText(scenario(true));
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o[6]).toEqual({ pte: 'none', rss: 0 });
      expect(o[8]).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    });
  });
});

describe('swapout-frees-only-laundered-pages: swapout counted and freed clean file pages', () => {
  describe('when a process maps a file page it only read and an anonymous page it wrote', () => {
    it('should unmap both, write and free the dirty anonymous page only, and count it alone', async () => {
      const r = await runText(`
name: swapout frees what it launders
machine: { arch: amd64, swap: 1MiB }
files:
  - { path: /f, size: 1 page, fill: 0x11111111 }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 1 page, prot: r, flags: [shared], file: /f, as: f }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - read: { pid: 1, addr: f }
  - write: { pid: 1, addr: a, value: 7 }
  - read: { pid: 1, addr: a+1 page }
  - check: { free_pages: {}, events: { kind: pagein } }
  - swapout: { pid: 1 }
  - check: { rss: { pid: 1 }, swap_used: {}, free_pages: {} }
  - read: { pid: 1, addr: f }
  - read: { pid: 1, addr: a }
  - check: { events: { kind: pagein } }
`);
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      const before = o[6] as { free_pages: number; events: number };
      // The dirty anonymous page alone is written and freed; the clean file page and the
      // untouched zero page are deactivated and stay resident.
      expect(o[7]).toEqual({ ok: true, pages: 1 });
      expect(o[8]).toEqual({ rss: 0, swap_used: 1, free_pages: before.free_pages + 1 });
      expect(o[9]).toEqual({ value: 0x11111111 });
      expect(o[10]).toEqual({ value: 7 });
      // Only the anonymous page came back from swap; the file page was still resident.
      expect(o[11]).toEqual({ events: before.events + 1 });
    });
  });
});

describe('zombie-empty-address-space: an exited process not yet waited for answers as an empty address space', () => {
  describe('when a process exits and its address space is gone but nobody waited for it', () => {
    it('should answer queries as for an empty address space until wait reaps it (ESRCH)', async () => {
      const r = await runText(`
name: zombie
machine: amd64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 5 }
  - exit: { pid: 1 }
  - check: { map_entries: { pid: 1 }, rss: { pid: 1 }, vmspace_refs: { pid: 1 }, entry: { pid: 1, addr: a }, pte: { pid: 1, addr: a }, pkey: { pid: 1, addr: a }, mapped: { pid: 1, addr: a } }
  - wait: { pid: 1 }
  - check: { map_entries: { pid: 1 } }
`);
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o[4]).toEqual({ map_entries: 0, rss: 0, vmspace_refs: 0, entry: 'none', pte: 'none', pkey: 'none', mapped: false });
      expect(o[6]).toEqual({ errno: 'ESRCH' });
    });
  });
});
