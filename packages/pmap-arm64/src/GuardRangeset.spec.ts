import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuardRangeset } from './GuardRangeset.ts';

describe('GuardRangeset', () => {
  describe('when ranges are guarded and unguarded', () => {
    it('should answer contains page by page and report whether remove dropped anything', () => {
      const r = new GuardRangeset();
      r.add(0x1000, 0x4000);
      expect(r.contains(0x1000)).toBe(true);
      expect(r.contains(0x3fff)).toBe(true);
      expect(r.contains(0x4000)).toBe(false);
      expect(r.remove(0x2000, 0x3000)).toBe(true);
      expect(r.contains(0x2800)).toBe(false);
      expect(r.remove(0x2000, 0x3000)).toBe(false);
      expect(r.intervals().map((i) => [i.start, i.end])).toEqual([
        [0x1000, 0x2000],
        [0x3000, 0x4000],
      ]);
    });
  });

  describe('when a rangeset is copied at fork', () => {
    it('should give an independent copy with the same coverage', () => {
      const a = new GuardRangeset();
      a.add(0x1000, 0x2000);
      a.add(0x2000, 0x3000);
      const b = new GuardRangeset();
      b.copyFrom(a);
      const one = new GuardRangeset();
      one.add(0x1000, 0x3000);
      expect(b.sameCoverage(one)).toBe(true);
      a.clear();
      expect(a.size).toBe(0);
      expect(b.contains(0x2800)).toBe(true);
    });
  });

  // Property: under any sequence of add / remove / clear, contains and overlaps agree with a
  // per-page model, and the intervals stay sorted and disjoint.
  describe('when driven by random operations', () => {
    it('should agree with a per-page model', () => {
      const PAGES = 24;
      const opArb = fc.oneof(
        fc.record({ op: fc.constant('add' as const), s: fc.nat(PAGES), n: fc.nat(PAGES) }),
        fc.record({ op: fc.constant('remove' as const), s: fc.nat(PAGES), n: fc.nat(PAGES) }),
        fc.record({ op: fc.constant('clear' as const) }),
      );
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
          const r = new GuardRangeset();
          const model: boolean[] = new Array(PAGES * 2).fill(false);
          for (const o of ops) {
            if (o.op === 'clear') {
              r.clear();
              model.fill(false);
              continue;
            }
            const s = o.s;
            const e = o.s + o.n;
            if (o.op === 'add') r.add(s * 4096, e * 4096);
            else r.remove(s * 4096, e * 4096);
            for (let p = s; p < e; p++) model[p] = o.op === 'add';
          }
          for (let p = 0; p < PAGES * 2; p++) {
            expect(r.contains(p * 4096 + 12)).toBe(model[p]);
            expect(r.overlaps(p * 4096, (p + 1) * 4096)).toBe(model[p]);
          }
          const iv = r.intervals();
          for (let i = 0; i < iv.length; i++) {
            expect(iv[i]!.start).toBeLessThan(iv[i]!.end);
            if (i > 0) expect(iv[i - 1]!.end).toBeLessThanOrEqual(iv[i]!.start);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
