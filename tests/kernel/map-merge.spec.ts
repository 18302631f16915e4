import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outcomes, problems, runText } from '../helpers/scenario.ts';

/**
 * Map entries merge where FreeBSD merges them (vm_map_try_merge_entries after vm_map_protect,
 * vm_map_inherit, vm_map_wire and vm_map_unwire; vm_map_insert extending the previous
 * anonymous entry through vm_object_coalesce), with vm_map_mergeable_neighbors' rules.
 */
const run = (steps: string, machine = 'amd64') =>
  runText(`
name: map merge
machine: ${machine}
steps:
  - spawn: { pid: 1 }
${steps}`);

/** The value of the last step, which each scenario makes a check. */
async function lastCheck(steps: string, machine?: string): Promise<unknown[]> {
  const r = await run(steps, machine);
  expect(problems(r)).toBe('');
  return outcomes(r);
}

describe('map entry merging', () => {
  describe('when a page is made read-only and writable again (mprotect)', () => {
    it('should split into three entries on one object, then merge back into one entry holding one reference', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - mprotect: { pid: 1, addr: a+1 page, len: 1 page, prot: r }
  - check: { map_entries: { pid: 1 }, object: { pid: 1, addr: a } }
  - mprotect: { pid: 1, addr: a+1 page, len: 1 page, prot: rw }
  - check: { map_entries: { pid: 1 }, object: { pid: 1, addr: a }, entry: { pid: 1, addr: a+3 pages } }
  - read: { pid: 1, addr: a }
`);
      expect(o[4]).toMatchObject({ map_entries: 3, object: { refs: 3 } });
      expect(o[6]).toMatchObject({ map_entries: 1, object: { refs: 1 }, entry: { start: 0x10000000, end: 0x10004000, prot: 'rw' } });
      expect(o[7]).toEqual({ value: 1 });
    });
  });

  describe('when a page gets another inheritance and back (minherit)', () => {
    it('should merge back into one entry', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 3 pages, prot: rw, flags: [private, anon], as: a }
  - minherit: { pid: 1, addr: a+1 page, len: 1 page, inherit: share }
  - check: { map_entries: { pid: 1 } }
  - minherit: { pid: 1, addr: a+1 page, len: 1 page, inherit: copy }
  - check: { map_entries: { pid: 1 }, entry: { pid: 1, addr: a } }
`);
      expect(o[3]).toEqual({ map_entries: 3 });
      expect(o[5]).toMatchObject({ map_entries: 1, entry: { start: 0x10000000, end: 0x10003000, inherit: 'copy' } });
    });
  });

  describe('when part of a range is wired and unwired (mlock, munlock; FreeBSD)', () => {
    it('should keep the differently wired parts apart and merge them once they are alike', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 3 pages, prot: rw, flags: [private, anon], as: a }
  - mlock: { pid: 1, addr: a, len: 1 page }
  - check: { map_entries: { pid: 1 }, entry: { pid: 1, addr: a } }
  - munlock: { pid: 1, addr: a, len: 1 page }
  - check: { map_entries: { pid: 1 }, object: { pid: 1, addr: a } }
`);
      expect(o[3]).toMatchObject({ map_entries: 2, entry: { end: 0x10001000, wired: true } });
      expect(o[5]).toMatchObject({ map_entries: 1, object: { refs: 1 } });
    });
  });

  describe('when Linux mlock2-tests test_vma_management runs (abi linux)', () => {
    it('should split the VMA for munlock and merge the VMAs after munlock', async () => {
      const r = await runText(readFileSync(new URL('./linux/mlock2-vma_management.yaml', import.meta.url), 'utf8'));
      expect(problems(r)).toBe('');
      expect(r.steps.filter((s) => s.held === true).length).toBe(14);
    });
  });

  describe('when an anonymous mapping is placed right after a never-faulted one with the same attributes (vm_map_insert)', () => {
    it('should extend the previous entry over it', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: b }
  - check: { map_entries: { pid: 1 }, entry: { pid: 1, addr: b } }
`);
      expect(o[1]).toEqual({ ok: true, addr: 0x10000000 });
      expect(o[2]).toEqual({ ok: true, addr: 0x10002000 });
      expect(o[3]).toMatchObject({ map_entries: 1, entry: { start: 0x10000000, end: 0x10003000 } });
    });
  });

  describe('when the previous anonymous entry has an object (vm_object_coalesce)', () => {
    it('should grow the object over the new range, dropping pages an earlier unmap left there, and keep one reference', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 3 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - write: { pid: 1, addr: a+2 pages, value: 7 }
  - munmap: { pid: 1, addr: a+2 pages, len: 1 page }
  - mmap: { pid: 1, addr: a+2 pages, len: 2 pages, prot: rw, flags: [private, anon], as: b }
  - read: { pid: 1, addr: b }
  - check: { map_entries: { pid: 1 }, object: { pid: 1, addr: b }, entry: { pid: 1, addr: a } }
  - read: { pid: 1, addr: a }
`);
      expect(o[6]).toEqual({ value: 0 });
      expect(o[7]).toMatchObject({ map_entries: 1, object: { depth: 0, refs: 1 }, entry: { start: 0x10000000, end: 0x10004000 } });
      expect(o[8]).toEqual({ value: 1 });
    });

    it('should give a new entry with other rights the next pages of the same object (a second reference)', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - check: { object: { pid: 1, addr: a }, save: o }
  - mmap: { pid: 1, len: 1 page, prot: r, flags: [private, anon], as: b }
  - read: { pid: 1, addr: b }
  - check: { map_entries: { pid: 1 }, object: { pid: 1, addr: b }, entry: { pid: 1, addr: b } }
`);
      const id = (o[3] as { object: { id: number } }).object.id;
      expect(o[5]).toEqual({ value: 0 });
      expect(o[6]).toMatchObject({ map_entries: 2, object: { id, depth: 0, refs: 2 }, entry: { start: 0x10002000, end: 0x10003000, prot: 'r' } });
    });
  });

  describe('when neighbours must stay apart', () => {
    it('should not merge two shared anonymous mappings (different objects)', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [shared, anon], as: a }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [shared, anon], as: b }
  - mprotect: { pid: 1, addr: a, len: 2 pages, prot: r }
  - check: { map_entries: { pid: 1 } }
`);
      expect(o[2]).toEqual({ ok: true, addr: 0x10001000 });
      expect(o[4]).toEqual({ map_entries: 2 });
    });

    it('should not merge across a gap', async () => {
      const o = await lastCheck(`
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }
  - mmap: { pid: 1, addr: a+2 pages, len: 1 page, prot: rw, flags: [private, anon], as: b }
  - minherit: { pid: 1, addr: a, len: 1 page, inherit: share }
  - minherit: { pid: 1, addr: b, len: 1 page, inherit: share }
  - check: { map_entries: { pid: 1 } }
`);
      expect(o[5]).toEqual({ map_entries: 2 });
    });

    it('should not merge two halves of one file mapping and an anonymous neighbour', async () => {
      const r = await runText(`
name: file and anon neighbours
machine: amd64
files:
  - { path: /f, size: 2 pages, fill: 0x5 }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 2 pages, prot: rw, flags: [private], file: /f, as: f }
  - mmap: { pid: 1, len: 1 page, prot: rw, flags: [private, anon], as: a }
  - check: { map_entries: { pid: 1 } }
`);
      expect(problems(r)).toBe('');
      expect(outcomes(r)[2]).toEqual({ ok: true, addr: 0x10002000 });
      expect(outcomes(r)[3]).toEqual({ map_entries: 2 });
    });
  });

  describe('when MD metadata on the entry differs (Linux protection keys live in the VMA)', () => {
    it('should keep the page with another key apart and merge it back once its key is the same', async () => {
      const o = await lastCheck(
        `
  - mmap: { pid: 1, len: 3 pages, prot: rw, flags: [private, anon], as: a }
  - pkey_alloc: { pid: 1 }
  - pkey_mprotect: { pid: 1, addr: a+1 page, len: 1 page, prot: rw, key: 1 }
  - check: { map_entries: { pid: 1 } }
  - pkey_mprotect: { pid: 1, addr: a+1 page, len: 1 page, prot: rw, key: 0 }
  - check: { map_entries: { pid: 1 } }
`,
        '{ arch: amd64, abi: linux }',
      );
      expect(o[2]).toEqual({ key: 1 });
      expect(o[4]).toEqual({ map_entries: 3 });
      expect(o[6]).toEqual({ map_entries: 1 });
    });
  });
});
