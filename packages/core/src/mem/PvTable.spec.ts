import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PV_MAX_CLASSES, PV_MAX_PMAP_ID, type PvKeys, PvTable } from './PvTable.ts';

function entries(pv: PvTable, frame: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = pv.first(frame); i !== -1; i = pv.nextOf(i)) out.push([pv.pmapOf(i), pv.vpnOf(i)]);
  return out;
}

type ModelOp = { k: 'add' | 'remove'; frame: number; pmap: number; vpn: number } | { k: 'clear'; frame: number } | { k: 'sweep'; frame: number; pmap: number };

/**
 * One op on `pv` and on the model of its lists (most recent first): add, remove, clear, or a
 * sweep that removes every mapping by one pmap from inside forEach.
 */
function modelStep(pv: PvTable, model: Map<number, Array<[number, number]>>, o: ModelOp): void {
  const cur = model.get(o.frame) ?? [];
  if (o.k === 'add') {
    if (cur.some(([p, v]) => p === o.pmap && v === o.vpn)) return;
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
          for (const o of ops) modelStep(pv, model, o);
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

  describe('when frames have page indexes (classes)', () => {
    /** Keys whose page indexes the test sets (as PhysMem's pindexOf gives them); a frame with index -1 has no key (free). */
    function keysOf(pindex: number[]): PvKeys {
      return { pindexOf: (f) => Math.max(0, pindex[f] as number), slotOf: (f) => (pindex[f] === -1 ? -1 : f) };
    }

    it('should keep the pair of a frame freed while mapped, and of a free frame mapped, whatever key the frame takes next', () => {
      const pindex = [10, 11, 12];
      const pv = new PvTable(3, keysOf(pindex));
      pv.add(0, 1, 500);
      pv.add(1, 1, 501);
      expect(pv.classCounts()).toEqual([2]);
      // Frame 0 is freed with its mapping left (PhysMem.free tells the table first), then taken for another page.
      pv.unkeyed(0);
      pindex[0] = -1;
      expect([pv.pmapOf(pv.first(0)), pv.vpnOf(pv.first(0))]).toEqual([1, 500]);
      pindex[0] = 77;
      expect([pv.pmapOf(pv.first(0)), pv.vpnOf(pv.first(0))]).toEqual([1, 500]);
      expect(pv.remove(0, 1, 500)).toBe(true);
      expect(pv.count(0)).toBe(0);
      // A free frame mapped keeps its pair whole too, and a second pair removed leaves it whole.
      pindex[2] = -1;
      pv.add(2, 1, 900);
      pv.add(2, 2, 901);
      expect(pv.remove(2, 2, 901)).toBe(true);
      pindex[2] = 40;
      expect([pv.pmapOf(pv.first(2)), pv.vpnOf(pv.first(2))]).toEqual([1, 900]);
      expect(pv.classCounts()).toEqual([1]);
    });

    it('should give every page of one mapping one class, held in the frame', () => {
      const n = 1000;
      const pindex = Array.from({ length: n }, (_, f) => f);
      const pv = new PvTable(n, keysOf(pindex));
      // An anonymous mapping at vpn 5000 with offset 0: page i of the object at vpn 5000 + i.
      for (let f = 0; f < n; f++) pv.add(f, 3, 5000 + f);
      expect(pv.classCounts()).toEqual([n]);
      expect(pv.poolEntries).toBe(0);
      expect(entries(pv, 0)).toEqual([[3, 5000]]);
      expect(entries(pv, n - 1)).toEqual([[3, 5000 + n - 1]]);
      expect(pv.remove(7, 3, 5008)).toBe(false);
      expect(pv.remove(7, 4, 5007)).toBe(false);
      expect(pv.remove(7, 3, 5007)).toBe(true);
      for (let f = 0; f < n; f++) if (f !== 7) pv.clear(f);
      expect(pv.classCounts()).toEqual([]);
      expect(pv.entries).toBe(0);
    });

    it('should cost 2 bytes a frame mapped once, besides the fixed tables', () => {
      const n = 1 << 16;
      const pindex = Array.from({ length: n }, (_, f) => f);
      const pv = new PvTable(n, keysOf(pindex));
      const empty = pv.bytesUsed();
      for (let f = 0; f < n; f++) pv.add(f, 1, 2 ** 20 + f);
      expect(pv.bytesUsed()).toBe(empty);
      // (Representation: the per-frame array is the only one that grows with the frames.)
      expect(empty - 2 * n).toBeLessThan(8192);
    });

    it('should keep the mapping when a frame is rekeyed, and not touch pool pairs', () => {
      const pindex = [10, 20, 0];
      const pv = new PvTable(3, keysOf(pindex));
      pv.add(0, 1, 110);
      pv.add(1, 1, 120);
      pv.add(2, 1, 7);
      pv.add(2, 2, 9);
      expect(pv.classCounts()).toEqual([2]);
      pindex[0] = 3; // vm_page_rename: frame 0 is now page 3 of another object
      pv.rekey(0, 10);
      expect(entries(pv, 0)).toEqual([[1, 110]]);
      expect(entries(pv, 1)).toEqual([[1, 120]]);
      expect(pv.classCounts()).toEqual([1, 1]);
      pindex[2] = 50;
      pv.rekey(2, 0);
      expect(entries(pv, 2)).toEqual([
        [2, 9],
        [1, 7],
      ]);
      expect(pv.remove(0, 1, 110)).toBe(true);
      expect(pv.remove(2, 2, 9)).toBe(true);
      // The last pool pair went back into its frame, under the class for its new index.
      expect(pv.poolEntries).toBe(0);
      expect(entries(pv, 2)).toEqual([[1, 7]]);
      expect(pv.first(2)).toBe(-4);
      pv.clear(1);
      pv.clear(2);
      expect(pv.classCounts()).toEqual([]);
    });

    it('should not take a freed class for another pair (the last-class cache)', () => {
      const pv = new PvTable(3, keysOf([0, 0, 0]));
      pv.add(0, 1, 100);
      expect(pv.remove(0, 1, 100)).toBe(true);
      pv.add(1, 2, 200); // takes the freed class id
      pv.add(2, 1, 100);
      expect(entries(pv, 1)).toEqual([[2, 200]]);
      expect(entries(pv, 2)).toEqual([[1, 100]]);
      expect(pv.classCounts()).toEqual([1, 1]);
    });

    it('should fall back to the pool when every class id is taken, and still answer right', () => {
      const pv = new PvTable(5, keysOf([0, 0, 0, 0, 0]), 2);
      pv.add(0, 1, 10);
      pv.add(1, 1, 20);
      pv.add(2, 1, 30);
      pv.add(3, 1, 20); // class (1, 20) exists: no new id needed
      expect(pv.classCounts()).toEqual([1, 2]);
      expect(pv.poolEntries).toBe(1);
      expect(pv.first(2)).toBeGreaterThanOrEqual(0);
      expect(entries(pv, 2)).toEqual([[1, 30]]);
      expect(pv.count(2)).toBe(1);
      expect(pv.remove(2, 1, 31)).toBe(false);
      pv.add(2, 2, 40);
      expect(entries(pv, 2)).toEqual([
        [2, 40],
        [1, 30],
      ]);
      // A class is freed: the next single mapping takes its id.
      expect(pv.remove(0, 1, 10)).toBe(true);
      pv.add(4, 3, 50);
      expect(pv.first(4)).toBe(-6);
      // Frame 2 is left with one pair; no class id is free, so it stays in the pool.
      expect(pv.remove(2, 2, 40)).toBe(true);
      expect(entries(pv, 2)).toEqual([[1, 30]]);
      expect(pv.poolEntries).toBe(1);
      pv.clear(2);
      expect(pv.remove(3, 1, 20)).toBe(true);
      // Rekeyed with no class to be had: the pair goes to the pool.
      pv.add(0, 4, 60);
      expect(pv.classCounts()).toEqual([1, 1]);
      const keys = [0, 5, 0, 0, 0];
      const pv2 = new PvTable(2, keysOf(keys), 1);
      pv2.add(0, 1, 10);
      pv2.add(1, 1, 10);
      expect(pv2.first(1)).toBeGreaterThanOrEqual(0);
      keys[0] = 2;
      pv2.rekey(0, 0);
      expect(entries(pv2, 0)).toEqual([[1, 10]]);
      expect(pv2.poolEntries).toBe(1);
      expect(pv2.classCounts()).toEqual([1]);
      expect(() => new PvTable(1, null, 0)).toThrow(/class limit/);
    });

    type KOp =
      | { k: 'add' | 'remove'; frame: number; pmap: number; vpn: number }
      | { k: 'clear'; frame: number }
      | { k: 'sweep'; frame: number; pmap: number }
      | { k: 'rekey'; frame: number; pindex: number };
    const frame = fc.integer({ min: 0, max: 5 });
    const pmap = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant(PV_MAX_PMAP_ID - 1));
    const vpn = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.nat(2 ** 36 - 1));
    const pindex = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.nat(2 ** 40));
    const kop: fc.Arbitrary<KOp> = fc.oneof(
      fc.record({ k: fc.constantFrom('add' as const, 'remove' as const), frame, pmap, vpn }),
      fc.record({ k: fc.constant('clear' as const), frame }),
      fc.record({ k: fc.constant('sweep' as const), frame, pmap }),
      fc.record({ k: fc.constant('rekey' as const), frame, pindex }),
    );

    for (const limit of [PV_MAX_CLASSES, 2]) {
      it(`should agree with a Map-based model while page indexes change (class limit ${limit})`, () => {
        fc.assert(
          fc.property(fc.array(fc.nat(6), { minLength: 6, maxLength: 6 }), fc.array(kop, { maxLength: 120, size: 'max' }), (start, ops) => {
            const pidx = start.slice();
            const pv = new PvTable(6, keysOf(pidx), limit);
            const model = new Map<number, Array<[number, number]>>();
            const list = (f: number) => model.get(f) ?? [];
            for (const o of ops) {
              if (o.k === 'rekey') {
                const old = pidx[o.frame] as number;
                pidx[o.frame] = o.pindex;
                pv.rekey(o.frame, old);
              } else {
                modelStep(pv, model, o);
              }
              expect(entries(pv, o.frame)).toEqual(list(o.frame));
            }
            let total = 0;
            let multi = 0;
            let pooledSingles = 0;
            let classSingles = 0;
            for (let f = 0; f < 6; f++) {
              const l = list(f);
              expect(entries(pv, f)).toEqual(l);
              expect(pv.count(f)).toBe(l.length);
              total += l.length;
              if (l.length > 1) {
                multi += l.length;
                expect(pv.first(f)).toBeGreaterThanOrEqual(0);
              } else if (l.length === 1) {
                if (pv.first(f) >= 0) pooledSingles++;
                else classSingles++;
              }
            }
            expect(pv.entries).toBe(total);
            expect(pv.poolEntries).toBe(multi + pooledSingles);
            // With room for every class, a frame mapped once always holds its pair itself.
            if (limit > 6) expect(pooledSingles).toBe(0);
            const counts = pv.classCounts();
            expect(counts.length).toBeLessThanOrEqual(limit);
            expect(counts.reduce((a, b) => a + b, 0)).toBe(classSingles);
            // Every frame cleared: no class is left held, and no pool entry.
            for (let f = 0; f < 6; f++) pv.clear(f);
            expect(pv.classCounts()).toEqual([]);
            expect(pv.poolEntries).toBe(0);
            expect(pv.entries).toBe(0);
          }),
          { numRuns: 300 },
        );
      });
    }

    it('should free and reuse class ids across many classes (the class table grows and shrinks)', () => {
      const n = 3000;
      const pv = new PvTable(n, keysOf(new Array(n).fill(0)));
      for (let f = 0; f < n; f++) pv.add(f, f % 7, f * 3);
      expect(pv.classCounts().length).toBe(n);
      for (let f = 0; f < n; f += 2) expect(pv.remove(f, f % 7, f * 3)).toBe(true);
      expect(pv.classCounts().length).toBe(n / 2);
      for (let f = 0; f < n; f += 2) pv.add(f, 9, f);
      for (let f = 0; f < n; f++) expect(entries(pv, f)).toEqual([f % 2 === 0 ? [9, f] : [f % 7, f * 3]]);
      for (let f = 0; f < n; f++) pv.clear(f);
      expect(pv.classCounts()).toEqual([]);
    });
  });
});
