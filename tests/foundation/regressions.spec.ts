import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { problems, runText } from '../helpers/scenario.ts';

/** Regression tests, each named after the bug it pins. */
describe('regressions', () => {
  describe('collapse-drops-swap-copy: a clean page moved by collapse lost its only backing copy', () => {
    it('should keep the data after the collapsed page is paged out again', async () => {
      // Found by `vmlab fuzz --seed 3`: the page paged back in from swap is clean; the child's
      // exit collapses the parent's shadow into the backing object, moving the page and freeing
      // the backing object's swap block; a clean page with no copy was then freed by pageout.
      const r = await runText(readFileSync(new URL('./collapse-drops-swap-copy.yaml', import.meta.url), 'utf8'));
      expect(problems(r)).toBe('');
      expect(r.steps.at(-1)!.outcome).toEqual({ value: 0x949ee99c });
    });
  });
});

describe('pageout-unmaps-unwritable-pages: reclaim unmapped dirty pages it could not page out', () => {
  const scenario = (swap: string) => `
name: pageout without swap
machine: { arch: amd64, swap: ${swap} }
steps:
  - spawn: { pid: 1 }
  - mmap: { pid: 1, len: 4 pages, prot: rw, flags: [private, anon], as: a }
  - write: { pid: 1, addr: a, value: 1 }
  - write: { pid: 1, addr: a+1 page, value: 2 }
  - read: { pid: 1, addr: a+2 pages }
  - pageout: { pid: 1, addr: a, len: 4 pages }
  - check: { rss: { pid: 1 }, pte: { pid: 1, addr: a } }
  - read: { pid: 1, addr: a+1 page }
`;

  describe('when there is no swap', () => {
    it('should free only the clean page and leave the dirty ones mapped, read-only, with their data', async () => {
      const r = await runText(scenario('0'));
      expect(problems(r)).toBe('');
      expect(r.steps[5]!.outcome).toEqual({ ok: true, pages: 1 });
      expect(r.steps[6]!.outcome).toEqual({ rss: 2, pte: { present: true, writable: false, executable: false, size: 4096, pkey: 0 } });
      expect(r.steps[7]!.outcome).toEqual({ value: 2 });
    });
  });

  describe('when there is swap', () => {
    it('should page every page out and fault the data back in', async () => {
      const r = await runText(scenario('1MiB'));
      expect(problems(r)).toBe('');
      expect(r.steps[5]!.outcome).toEqual({ ok: true, pages: 3 });
      expect(r.steps[6]!.outcome).toEqual({ rss: 0, pte: 'none' });
      expect(r.steps[7]!.outcome).toEqual({ value: 2 });
    });
  });
});

describe('fork-child-invisible-during-split: object_refs broke while fork slept in a split', () => {
  describe('when a write fault paging in races a fork that splits the same object', () => {
    it('should keep every invariant at every scheduling point', async () => {
      const r = await runText(readFileSync(new URL('./fork-child-invisible-during-split.yaml', import.meta.url), 'utf8'));
      expect(problems(r)).toBe('');
      expect(r.schedule.map((p) => p.reason)).toContain('vm_object_split: page busy');
    });
  });
});
