import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rangeset } from './Rangeset.ts';

const P = 4096;

describe('Rangeset', () => {
  describe('when ranges are set, removed and removed by predicate', () => {
    it('should record at every page what a page-by-page model records', () => {
      type Op = { kind: 'set' | 'remove' | 'removeOdd'; s: number; n: number; v: number };
      const op = fc.record({
        kind: fc.constantFrom('set', 'remove', 'removeOdd'),
        s: fc.integer({ min: 0, max: 31 }),
        n: fc.integer({ min: 0, max: 8 }),
        v: fc.integer({ min: 0, max: 3 }),
      }) as fc.Arbitrary<Op>;
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40, size: 'max' }), (ops) => {
          const r = new Rangeset<{ v: number }>();
          const model = new Map<number, number>();
          for (const o of ops) {
            const s = o.s * P;
            const e = (o.s + o.n) * P;
            if (o.kind === 'set') r.set(s, e, { v: o.v });
            else if (o.kind === 'remove') r.remove(s, e);
            else r.removeIf(s, e, (x) => x.v % 2 === 1);
            for (let p = o.s; p < o.s + o.n; p++) {
              if (o.kind === 'set') model.set(p, o.v);
              else if (o.kind === 'remove' || (model.get(p) ?? 0) % 2 === 1) model.delete(p);
            }
          }
          for (let p = 0; p < 40; p++) expect(r.lookup(p * P + 8)?.v).toBe(model.get(p));
          const iv = r.intervals();
          for (let i = 1; i < iv.length; i++) expect(iv[i]!.start).toBeGreaterThanOrEqual(iv[i - 1]!.end);
        }),
      );
    });
  });

  describe('when two rangesets cover the same addresses cut differently', () => {
    it('should call them the same coverage, and different when a value differs', () => {
      const a = new Rangeset<{ k: number }>();
      a.set(0, 2 * P, { k: 1 });
      const b = new Rangeset<{ k: number }>();
      b.set(0, P, { k: 1 });
      b.set(P, 2 * P, { k: 1 });
      expect(b.size).toBe(2);
      expect(a.sameCoverage(b)).toBe(true);
      b.set(P, 2 * P, { k: 2 });
      expect(a.sameCoverage(b)).toBe(false);
    });
  });
});
