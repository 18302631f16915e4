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
