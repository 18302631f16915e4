import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_VPN, SoftPageTable } from './SoftPageTable.ts';

function valid(pt: SoftPageTable, start = 0, end = MAX_VPN): number[] {
  const out: number[] = [];
  pt.forEachValid(start, end, (vpn) => out.push(vpn));
  return out;
}

/** Tables needed to hold `vpns`: root + one per distinct prefix at each lower level. */
function tablesFor(vpns: Iterable<number>): number {
  const l3 = new Set<number>();
  const l2 = new Set<number>();
  const leaf = new Set<number>();
  for (const v of vpns) {
    l3.add(Math.floor(v / 2 ** 27));
    l2.add(Math.floor(v / 2 ** 18));
    leaf.add(Math.floor(v / 2 ** 9));
  }
  return 1 + l3.size + l2.size + leaf.size;
}

describe('SoftPageTable', () => {
  describe('when fresh', () => {
    it('should hold only the root and find no leaf', () => {
      const pt = new SoftPageTable();
      expect(pt.ptPages).toBe(1);
      expect(pt.validCount).toBe(0);
      expect(pt.lookup(0)).toBe(-1);
      expect(pt.lookup(MAX_VPN - 1)).toBe(-1);
      expect(pt.lookup(MAX_VPN)).toBe(-1);
    });
  });

  describe('when a slot is ensured', () => {
    it('should build one table per level and return the same slot from lookup', () => {
      const pt = new SoftPageTable();
      const s = pt.ensure(MAX_VPN - 1);
      expect(pt.ptPages).toBe(4);
      expect(pt.lookup(MAX_VPN - 1)).toBe(s);
      expect(pt.bits[s]).toBe(0);
      expect(pt.lookup(MAX_VPN - 2)).toBe(s - 1);
      expect(pt.lookup(MAX_VPN - 513)).toBe(-1);
    });

    it('should share tables between neighbours and keep validCount right through set and clear', () => {
      const pt = new SoftPageTable();
      const a = pt.ensure(1000);
      const b = pt.ensure(1001);
      expect(pt.ptPages).toBe(4);
      pt.set(a, 7, 3);
      pt.set(b, 8, 1);
      pt.set(a, 9, 5);
      expect(pt.validCount).toBe(2);
      expect(pt.frame[a]).toBe(9);
      pt.clear(b);
      pt.clear(b);
      expect(pt.validCount).toBe(1);
      pt.set(a, 9, 0);
      expect(pt.validCount).toBe(0);
    });

    it('should keep 16 bits of PTE bits and refuse wider ones', () => {
      const pt = new SoftPageTable();
      const a = pt.ensure(3);
      pt.set(a, 7, 0xffff);
      expect(pt.bits[a]).toBe(0xffff);
      expect(() => pt.set(a, 7, 0x10000)).toThrow(RangeError);
      expect(pt.bits[a]).toBe(0xffff);
    });

    it('should not find a page through a leaf that was freed and reused for other pages', () => {
      const pt = new SoftPageTable();
      const a = pt.ensure(10);
      pt.set(a, 1, 1);
      expect(pt.lookup(10)).toBe(a);
      expect(pt.lookup(11)).toBe(a + 1);
      pt.clear(a);
      pt.freeEmptyTables(0, MAX_VPN);
      expect(pt.lookup(10)).toBe(-1);
      const b = pt.ensure(2 ** 30 + 10);
      expect(b).toBe(a); // the leaf's storage is reused
      expect(pt.lookup(10)).toBe(-1);
      expect(pt.lookup(2 ** 30 + 10)).toBe(b);
      pt.clearAll();
      expect(pt.lookup(2 ** 30 + 10)).toBe(-1);
    });

    it('should reject virtual page numbers outside 48 bits', () => {
      const pt = new SoftPageTable();
      expect(() => pt.ensure(MAX_VPN)).toThrow(RangeError);
      expect(() => pt.ensure(-1)).toThrow(RangeError);
    });
  });

  describe('when iterating valid slots', () => {
    it('should visit them in ascending order within the range and let the callback clear them', () => {
      const pt = new SoftPageTable();
      const vpns = [2 ** 35 + 3, 5, 511, 512, 2 ** 18, 2 ** 27 - 1];
      for (const v of vpns) pt.set(pt.ensure(v), v & 0xff, 1);
      expect(valid(pt)).toEqual([...vpns].sort((x, y) => x - y));
      expect(valid(pt, 6, 2 ** 18 + 1)).toEqual([511, 512, 2 ** 18]);
      pt.forEachValid(0, 1024, (_vpn, slot) => pt.clear(slot));
      expect(valid(pt)).toEqual([2 ** 18, 2 ** 27 - 1, 2 ** 35 + 3]);
      expect(pt.validCount).toBe(3);
    });
  });

  describe('when empty tables are freed', () => {
    it('should release them, keep non-empty ones and reuse the storage', () => {
      const pt = new SoftPageTable();
      const a = pt.ensure(10);
      pt.set(a, 1, 1);
      const b = pt.ensure(2 ** 30);
      pt.ensure(2 ** 31);
      expect(pt.ptPages).toBe(1 + 3 + 3 + 3);
      pt.freeEmptyTables(0, MAX_VPN);
      expect(pt.ptPages).toBe(4);
      expect(pt.lookup(2 ** 30)).toBe(-1);
      expect(pt.lookup(10)).toBe(a);
      pt.clear(a);
      pt.freeEmptyTables(10, 11);
      expect(pt.ptPages).toBe(1);
      expect(pt.ensure(77)).toBeLessThanOrEqual(b);
      expect(pt.ptPages).toBe(4);
    });

    it('should drop everything on clearAll', () => {
      const pt = new SoftPageTable();
      pt.set(pt.ensure(3), 1, 1);
      pt.clearAll();
      expect(pt.ptPages).toBe(1);
      expect(pt.validCount).toBe(0);
      expect(pt.lookup(3)).toBe(-1);
    });
  });

  describe('when asked for the next leaf with a valid PTE (nextLeafVpn)', () => {
    const vpn = fc.oneof(
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 2 ** 18 - 600, max: 2 ** 18 + 600 }),
      fc.integer({ min: 2 ** 27 - 600, max: 2 ** 27 + 600 }),
      fc.nat(MAX_VPN - 1),
    );
    it('should return the first page at or after the start whose leaf holds a valid PTE, skipping absent and emptied tables', () => {
      fc.assert(
        fc.property(fc.uniqueArray(vpn, { maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), vpn, vpn, (vpns, keep, a0, b0) => {
          const pt = new SoftPageTable();
          const valid: number[] = [];
          vpns.forEach((v, i) => {
            const slot = pt.ensure(v);
            pt.set(slot, 1, 1);
            // Some are cleared again: their leaf stays, empty unless another page keeps it.
            if (keep[i]) valid.push(v);
            else pt.clear(slot);
          });
          const [a, b] = a0 <= b0 ? [a0, b0] : [b0, a0];
          let want = b;
          for (const v of valid) {
            const base = v - (v % 512);
            if (base + 512 > a) want = Math.min(want, Math.max(a, base));
          }
          expect(pt.nextLeafVpn(a, b)).toBe(Math.min(want, b));
        }),
      );
    });
  });

  describe('when driven by random operations', () => {
    type Op =
      | { k: 'set'; vpn: number; frame: number; bits: number }
      | { k: 'clear'; vpn: number }
      | { k: 'sweep'; a: number; b: number; clear: boolean }
      | { k: 'free'; a: number; b: number }
      | { k: 'clearAll' };
    const near = (base: number) => fc.integer({ min: -600, max: 600 }).map((d) => Math.min(MAX_VPN - 1, Math.max(0, base + d)));
    const vpn = fc.oneof(fc.integer({ min: 0, max: 2000 }), near(2 ** 18), near(2 ** 27), near(2 ** 32), near(MAX_VPN - 1), fc.nat(MAX_VPN - 1));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ k: fc.constant('set' as const), vpn, frame: fc.nat(1000), bits: fc.constantFrom(0, 1, 3, 0x8000, 0xffff) }) },
      { weight: 3, arbitrary: fc.record({ k: fc.constant('clear' as const), vpn }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('sweep' as const), a: vpn, b: vpn, clear: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('free' as const), a: vpn, b: vpn }) },
      { weight: 1, arbitrary: fc.constant({ k: 'clearAll' as const }) },
    );

    it('should agree with a Map-based model', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80, size: 'max' }), (ops) => {
          const pt = new SoftPageTable();
          const model = new Map<number, { frame: number; bits: number }>();
          for (const o of ops) {
            switch (o.k) {
              case 'set': {
                pt.set(pt.ensure(o.vpn), o.frame, o.bits);
                if (o.bits) model.set(o.vpn, { frame: o.frame, bits: o.bits });
                else model.delete(o.vpn);
                break;
              }
              case 'clear': {
                const s = pt.lookup(o.vpn);
                if (s >= 0) pt.clear(s);
                model.delete(o.vpn);
                break;
              }
              case 'sweep': {
                const [a, b] = o.a <= o.b ? [o.a, o.b] : [o.b, o.a];
                const want = [...model.keys()].filter((v) => v >= a && v < b).sort((x, y) => x - y);
                const got: number[] = [];
                pt.forEachValid(a, b, (v, slot) => {
                  got.push(v);
                  expect(pt.frame[slot]).toBe(model.get(v)!.frame);
                  if (o.clear) pt.clear(slot);
                });
                expect(got).toEqual(want);
                if (o.clear) for (const v of want) model.delete(v);
                break;
              }
              case 'free': {
                const [a, b] = o.a <= o.b ? [o.a, o.b] : [o.b, o.a];
                pt.freeEmptyTables(a, b);
                break;
              }
              case 'clearAll':
                pt.clearAll();
                model.clear();
                break;
            }
            expect(pt.validCount).toBe(model.size);
          }
          for (const [v, e] of model) {
            const s = pt.lookup(v);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(pt.frame[s]).toBe(e.frame);
            expect(pt.bits[s]).toBe(e.bits);
          }
          expect(valid(pt)).toEqual([...model.keys()].sort((x, y) => x - y));
          expect(pt.ptPages).toBeGreaterThanOrEqual(tablesFor(model.keys()));
          pt.freeEmptyTables(0, MAX_VPN);
          expect(pt.ptPages).toBe(tablesFor(model.keys()));
          for (const v of model.keys()) expect(pt.bits[pt.lookup(v)]).toBe(model.get(v)!.bits);
        }),
        { numRuns: 300 },
      );
    });
  });
});
