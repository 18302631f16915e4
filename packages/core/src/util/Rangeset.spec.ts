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

  describe('when intervals are cut by later sets and removals', () => {
    // rangeset_insert and rangeset_remove_pred: every interval a range overlaps is clipped at
    // the range's ends (keeping its outside parts), nothing is merged, and a set adds exactly
    // one interval. The model applies that to a plain sorted list, interval by interval.
    type Iv = { v: number; start: number; end: number };
    const clip = (list: Iv[], s: number, e: number, pred: (x: Iv) => boolean): Iv[] =>
      list.flatMap((x) => {
        if (e <= s || x.end <= s || x.start >= e || !pred(x)) return [x];
        const keep: Iv[] = [];
        if (x.start < s) keep.push({ v: x.v, start: x.start, end: s });
        if (x.end > e) keep.push({ v: x.v, start: e, end: x.end });
        return keep;
      });
    it('should hold exactly the intervals the clip-and-insert model holds, fields in order', () => {
      const op = fc.record({
        kind: fc.constantFrom('set', 'set', 'remove', 'removeOdd'),
        s: fc.integer({ min: 0, max: 31 }),
        n: fc.integer({ min: 0, max: 9 }),
        v: fc.integer({ min: 0, max: 3 }),
      });
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60, size: 'max' }), (ops) => {
          const r = new Rangeset<{ v: number }>();
          let model: Iv[] = [];
          for (const o of ops) {
            const s = o.s * P;
            const e = (o.s + o.n) * P;
            if (o.kind === 'set') {
              r.set(s, e, { v: o.v });
              if (e > s) model = [...clip(model, s, e, () => true), { v: o.v, start: s, end: e }].sort((a, b) => a.start - b.start);
            } else if (o.kind === 'remove') {
              expect(r.remove(s, e)).toBe(e > s && model.some((x) => x.start < e && x.end > s));
              model = clip(model, s, e, () => true);
            } else {
              r.removeIf(s, e, (x) => x.v % 2 === 1);
              model = clip(model, s, e, (x) => x.v % 2 === 1);
            }
            expect(r.intervals().map((x) => JSON.stringify(x))).toEqual(model.map((x) => JSON.stringify(x)));
          }
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
