import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PV_MAX_PMAP_ID, PvTable } from './PvTable.ts';

function entries(pv: PvTable, frame: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = pv.first(frame); i !== -1; i = pv.nextOf(i)) out.push([pv.pmapOf(i), pv.vpnOf(i)]);
  return out;
}

describe('PvTable', () => {
  describe('when mappings are added', () => {
    it('should list them most recent first and count them', () => {
      const pv = new PvTable(4);
      pv.add(1, 10, 100);
      pv.add(1, 11, 2 ** 35);
      pv.add(2, 10, 5);
      expect(entries(pv, 1)).toEqual([
        [11, 2 ** 35],
        [10, 100],
      ]);
      expect(pv.count(1)).toBe(2);
      expect(pv.count(0)).toBe(0);
      expect(pv.first(0)).toBe(-1);
      expect(pv.entries).toBe(3);
    });

    it('should grow past its initial pool', () => {
      const pv = new PvTable(2);
      for (let i = 0; i < 1000; i++) pv.add(i & 1, i, i);
      expect(pv.count(0)).toBe(500);
      expect(pv.count(1)).toBe(500);
    });
  });

  describe('when a frame has one mapping', () => {
    it('should hold it in the frame itself, using no pool entry', () => {
      const pv = new PvTable(3);
      pv.add(0, 7, 2 ** 36 - 1);
      pv.add(1, PV_MAX_PMAP_ID - 1, 0);
      expect(pv.poolEntries).toBe(0);
      expect(entries(pv, 0)).toEqual([[7, 2 ** 36 - 1]]);
      expect(entries(pv, 1)).toEqual([[PV_MAX_PMAP_ID - 1, 0]]);
      pv.add(0, 8, 3);
      expect(pv.poolEntries).toBe(2);
      expect(entries(pv, 0)).toEqual([
        [8, 3],
        [7, 2 ** 36 - 1],
      ]);
      expect(pv.remove(0, 8, 3)).toBe(true);
      expect(pv.poolEntries).toBe(0);
      expect(entries(pv, 0)).toEqual([[7, 2 ** 36 - 1]]);
    });

    it('should move the last mapping left back into the frame, whichever is removed', () => {
      const pv = new PvTable(1);
      pv.add(0, 1, 10);
      pv.add(0, 2, 20);
      pv.add(0, 3, 30);
      expect(pv.remove(0, 3, 30)).toBe(true);
      expect(entries(pv, 0)).toEqual([
        [2, 20],
        [1, 10],
      ]);
      expect(pv.poolEntries).toBe(2);
      expect(pv.remove(0, 1, 10)).toBe(true);
      expect(pv.poolEntries).toBe(0);
      expect(entries(pv, 0)).toEqual([[2, 20]]);
      pv.add(0, 1, 10);
      expect(entries(pv, 0)).toEqual([
        [1, 10],
        [2, 20],
      ]);
      const seen: number[] = [];
      pv.forEach(0, (p, v) => {
        seen.push(p);
        pv.remove(0, p, v);
      });
      expect(seen).toEqual([1, 2]);
      expect(pv.first(0)).toBe(-1);
      expect(pv.poolEntries).toBe(0);
      expect(pv.entries).toBe(0);
    });

    it('should refuse a pmap id or page it cannot hold, naming the limit', () => {
      const pv = new PvTable(1);
      expect(() => pv.add(0, PV_MAX_PMAP_ID, 0)).toThrow(/pmap ids below/);
      expect(() => pv.add(0, 0, 2 ** 36)).toThrow(/2\^36/);
      expect(pv.remove(0, PV_MAX_PMAP_ID, 0)).toBe(false);
      expect(pv.entries).toBe(0);
    });
  });

  describe('when mappings are removed', () => {
    it('should remove only the matching pair and report whether it existed', () => {
      const pv = new PvTable(1);
      pv.add(0, 1, 1);
      pv.add(0, 1, 2);
      pv.add(0, 2, 1);
      expect(pv.remove(0, 1, 2)).toBe(true);
      expect(pv.remove(0, 1, 2)).toBe(false);
      expect(entries(pv, 0)).toEqual([
        [2, 1],
        [1, 1],
      ]);
    });

    it('should allow forEach callbacks to remove the current entry', () => {
      const pv = new PvTable(1);
      for (let i = 0; i < 5; i++) pv.add(0, i, i * 10);
      const seen: number[] = [];
      pv.forEach(0, (pmap, vpn) => {
        seen.push(pmap);
        if (pmap % 2 === 0) pv.remove(0, pmap, vpn);
      });
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      expect(entries(pv, 0)).toEqual([
        [3, 30],
        [1, 10],
      ]);
    });

    it('should clear a frame and reuse its entries', () => {
      const pv = new PvTable(2);
      for (let i = 0; i < 300; i++) pv.add(0, i, i);
      const bytes = pv.bytesUsed();
      pv.clear(0);
      expect(pv.count(0)).toBe(0);
      expect(pv.entries).toBe(0);
      for (let i = 0; i < 300; i++) pv.add(1, i, i);
      expect(pv.bytesUsed()).toBe(bytes);
    });
  });

  describe('when driven by random operations', () => {
    type Op = { k: 'add' | 'remove'; frame: number; pmap: number; vpn: number } | { k: 'clear'; frame: number } | { k: 'sweep'; frame: number; pmap: number };
    const frame = fc.integer({ min: 0, max: 3 });
    const pmap = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(PV_MAX_PMAP_ID - 1));
    const vpn = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.nat(2 ** 36 - 1));
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constantFrom('add' as const, 'remove' as const), frame, pmap, vpn }),
      fc.record({ k: fc.constant('clear' as const), frame }),
      fc.record({ k: fc.constant('sweep' as const), frame, pmap }),
    );

    it('should agree with a Map-based model', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 100, size: 'max' }), (ops) => {
          const pv = new PvTable(4);
          const model = new Map<number, Array<[number, number]>>();
          const list = (f: number) => model.get(f) ?? [];
          for (const o of ops) {
            const cur = list(o.frame);
            if (o.k === 'add') {
              if (cur.some(([p, v]) => p === o.pmap && v === o.vpn)) continue;
              pv.add(o.frame, o.pmap, o.vpn);
              model.set(o.frame, [[o.pmap, o.vpn], ...cur]);
            } else if (o.k === 'remove') {
              const i = cur.findIndex(([p, v]) => p === o.pmap && v === o.vpn);
              expect(pv.remove(o.frame, o.pmap, o.vpn)).toBe(i >= 0);
              if (i >= 0)
                model.set(
                  o.frame,
                  cur.filter((_, j) => j !== i),
                );
            } else if (o.k === 'clear') {
              pv.clear(o.frame);
              model.delete(o.frame);
            } else {
              // Remove every mapping by one pmap from inside forEach.
              const seen: Array<[number, number]> = [];
              pv.forEach(o.frame, (p, v) => {
                seen.push([p, v]);
                if (p === o.pmap) pv.remove(o.frame, p, v);
              });
              expect(seen).toEqual(cur);
              model.set(
                o.frame,
                cur.filter(([p]) => p !== o.pmap),
              );
            }
          }
          let total = 0;
          let pooled = 0;
          for (let f = 0; f < 4; f++) {
            expect(entries(pv, f)).toEqual(list(f));
            expect(pv.count(f)).toBe(list(f).length);
            total += list(f).length;
            if (list(f).length > 1) pooled += list(f).length;
          }
          expect(pv.entries).toBe(total);
          // A frame with one mapping holds it itself; only frames with more use the pool.
          expect(pv.poolEntries).toBe(pooled);
        }),
        { numRuns: 300 },
      );
    });
  });
});
