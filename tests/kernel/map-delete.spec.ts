import { describe, expect, it } from 'vitest';
import { outcomes, problems, runText } from '../helpers/scenario.ts';

/**
 * vm_map_delete (FreeBSD sys/vm/vm_map.c) over a range of several entries: the ends are
 * clipped, every entry in between goes, and the entries outside the range keep their pages.
 * The entries are unlinked together after the walk (VmMap.removeRange), so this pins that
 * the right ones go and the rest stay in order.
 */
describe('munmap across many map entries', () => {
  describe('when a range cuts into the first and last of five entries', () => {
    it('should leave the clipped outer parts and the entries outside, with their values', async () => {
      const r = await runText(`
name: map delete
machine: amd64
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, addr: 0x10000000, len: 2 pages, prot: rw, flags: [private, anon, fixed] }
  - mmap: { pid: 1, addr: 0x10003000, len: 2 pages, prot: r, flags: [private, anon, fixed] }
  - mmap: { pid: 1, addr: 0x10006000, len: 2 pages, prot: rw, flags: [private, anon, fixed] }
  - mmap: { pid: 1, addr: 0x10009000, len: 2 pages, prot: r, flags: [private, anon, fixed] }
  - mmap: { pid: 1, addr: 0x1000c000, len: 2 pages, prot: rw, flags: [private, anon, fixed] }
  - write: { pid: 1, addr: 0x10000000, value: 1 }
  - write: { pid: 1, addr: 0x10001000, value: 2 }
  - write: { pid: 1, addr: 0x10006000, value: 3 }
  - write: { pid: 1, addr: 0x1000d000, value: 4 }
  - check: { map_entries: { pid: 1 } }
  - munmap: { pid: 1, addr: 0x10001000, len: 12 pages }
  - check: { map_entries: { pid: 1 }, entry: { pid: 1, addr: 0x10000000 } }
  - check: { entry: { pid: 1, addr: 0x1000d000 } }
  - read: { pid: 1, addr: 0x10000000 }
  - read: { pid: 1, addr: 0x1000d000 }
  - read: { pid: 1, addr: 0x10006000 }
`);
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o[10]).toEqual({ map_entries: 5 });
      expect(o[12]).toMatchObject({ map_entries: 2, entry: { start: 0x10000000, end: 0x10001000, prot: 'rw' } });
      expect(o[13]).toMatchObject({ entry: { start: 0x1000d000, end: 0x1000e000, prot: 'rw' } });
      expect(o[14]).toEqual({ value: 1 });
      expect(o[15]).toEqual({ value: 4 });
      expect(o[16]).toMatchObject({ signal: 'SIGSEGV' });
    });
  });
});
