import { describe, expect, it } from 'vitest';
import { outcomes, problems, runText } from '../helpers/scenario.ts';

/** Eight anonymous pages written (values 1..8) and swapped out, on a machine with swap. */
const swapped = (body: string, policies = '{ swap.cluster: 1 }') => `name: t
machine: { arch: amd64, physmem: 16MiB, swap: 1MiB, policies: ${policies} }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 8 pages, prot: rw, flags: [private, anon], as: a }
${Array.from({ length: 8 }, (_, i) => `  - write: { pid: 1, addr: a+${i * 4096}, value: ${i + 1} }\n`).join('')}${body}`;

describe('the swap pager frees swap space on a logical unmap (swap_pager_freespace from vm_map_entry_delete)', () => {
  describe('when munmap removes the only mapping of part of an object', () => {
    it('should free the blocks of that range and keep the rest, whose data reads back', async () => {
      const r = await runText(
        swapped(`  - swapout: { pid: 1 }
  - check: { swap_used: {} }
  - munmap: { pid: 1, addr: a+4 pages, len: 4 pages }
  - check: { swap_used: {} }
  - read: { pid: 1, addr: a+1 page }
  - munmap: { pid: 1, addr: a+2 pages, len: 1 page }
  - check: { swap_used: {} }
  - read: { pid: 1, addr: a+3 pages }
`),
      );
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o.at(-7)).toEqual({ swap_used: 8 });
      expect(o.at(-5)).toEqual({ swap_used: 4 });
      expect(o.at(-4)).toEqual({ value: 2 });
      // A middle page: the clip leaves two entries on the object around it; one block goes.
      expect(o.at(-2)).toEqual({ swap_used: 3 });
      expect(o.at(-1)).toEqual({ value: 4 });
    });
  });

  describe('when a fork child still maps the range', () => {
    it('should keep the blocks (the object lost OBJ_ONEMAPPING at fork) and the child reads them', async () => {
      const r = await runText(
        swapped(`  - fork: { pid: 1, child: 2 }
  - swapout: { pid: 1 }
  - swapout: { pid: 2 }
  - check: { swap_used: {} }
  - munmap: { pid: 1, addr: a+4 pages, len: 4 pages }
  - check: { swap_used: {} }
  - read: { pid: 2, addr: a+6 pages }
`),
      );
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      expect(o.at(-4)).toEqual({ swap_used: 8 });
      expect(o.at(-2)).toEqual({ swap_used: 8 });
      expect(o.at(-1)).toEqual({ value: 7 });
    });
  });

  describe('when the processes exit', () => {
    it('should free what the exiting process alone mapped, and everything once the last mapping goes', async () => {
      const r = await runText(
        swapped(`  - fork: { pid: 1, child: 2 }
  - swapout: { pid: 1 }
  - munmap: { pid: 1, addr: a+4 pages, len: 4 pages }
  - exit: { pid: 2 }
  - wait: { pid: 2 }
  - check: { swap_used: {} }
  - exit: { pid: 1 }
  - check: { swap_used: {} }
`),
      );
      expect(problems(r)).toBe('');
      const o = outcomes(r);
      // The child's exit drops its reference; the parent's entry still holds the object.
      expect(o.at(-3)).toEqual({ swap_used: 8 });
      expect(o.at(-1)).toEqual({ swap_used: 0 });
    });

    it('should free an object clipped into several entries entry by entry at exit', async () => {
      const r = await runText(
        swapped(`  - mprotect: { pid: 1, addr: a+2 pages, len: 2 pages, prot: r }
  - swapout: { pid: 1 }
  - check: { swap_used: {} }
  - exit: { pid: 1 }
  - check: { swap_used: {} }
`),
      );
      expect(problems(r)).toBe('');
      expect(outcomes(r).at(-3)).toEqual({ swap_used: 8 });
      expect(outcomes(r).at(-1)).toEqual({ swap_used: 0 });
    });
  });
});

describe('the swap pager accounts a whole-process swapout from the swapout event', () => {
  describe('when a process is swapped out, touched and swapped out again, then the page daemon runs', () => {
    it('should count the pages written for each swapout, and not the page daemon writes', async () => {
      const r = await runText(
        swapped(`  - swapout: { pid: 1 }
  - write: { pid: 1, addr: a, value: 9 }
  - read: { pid: 1, addr: a+1 page }
  - swapout: { pid: 1 }
  - write: { pid: 1, addr: a+1 page, value: 10 }
  - pageout: { pid: 1, addr: a+1 page, len: 1 page }
  - check: { swap_used: {}, events: { kind: pageout } }
`),
      );
      expect(problems(r)).toBe('');
      // 8 pages, then only the dirtied one (the read one kept its copy); the page daemon's
      // write of the page dirtied afterwards is a pageout but no swapout's.
      expect(outcomes(r).at(-1)).toEqual({ swap_used: 8, events: 10 });
      expect(r.counters['swap.swapout_pages']).toBe(9);
    });
  });

  describe('when only the page daemon writes to swap', () => {
    it('should account nothing to swapouts', async () => {
      const r = await runText(
        swapped(`  - pageout: { pid: 1, addr: a, len: 8 pages }
  - check: { swap_used: {} }
`),
      );
      expect(problems(r)).toBe('');
      expect(outcomes(r).at(-1)).toEqual({ swap_used: 8 });
      expect(r.counters['swap.swapout_pages'] ?? 0).toBe(0);
    });
  });
});
