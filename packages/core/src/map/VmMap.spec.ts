import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VmMap } from './VmMap.ts';
import { VmMapEntry } from './VmMapEntry.ts';

const P = 4096;
const entry = (page: number, pages = 1): VmMapEntry => new VmMapEntry(page * P, (page + pages) * P, 3, 7, 'copy');

/** Every structural fact of the map against the entries it should hold, in order. */
function check(map: VmMap, want: readonly VmMapEntry[]): void {
  expect(map.size).toBe(want.length);
  expect(map.first).toBe(want[0] ?? null);
  expect(map.last).toBe(want[want.length - 1] ?? null);
  expect([...map.entries]).toEqual(want);
  expect(map.entries.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const e = want[i]!;
    expect(e.prev).toBe(want[i - 1] ?? null);
    expect(e.next).toBe(want[i + 1] ?? null);
    expect(map.entries[i]).toBe(e);
    expect(map.at(i)).toBe(e);
    expect(map.indexOf(e)).toBe(i);
    expect(map.entryAt(e.start)).toBe(e);
    expect(map.entryAt(e.end - 1)).toBe(e);
    expect(map.contains(e)).toBe(true);
  }
  // The tree: ordered, subtree sizes right, depth logarithmic in practice.
  let depth = 0;
  const walk = (t: VmMapEntry | null, lo: number, hi: number, d: number): number => {
    if (t === null) return 0;
    depth = Math.max(depth, d);
    expect(t.start).toBeGreaterThanOrEqual(lo);
    expect(t.end).toBeLessThanOrEqual(hi);
    const n = 1 + walk(t.left, lo, t.start, d + 1) + walk(t.right, t.end, hi, d + 1);
    expect(t.subtree).toBe(n);
    return n;
  };
  expect(walk(map.root, 0, Number.POSITIVE_INFINITY, 1)).toBe(want.length);
}

/** The tree's shape as nested [start, left, right] lists. */
const shape = (t: VmMapEntry | null): unknown => (t === null ? null : [t.start, shape(t.left), shape(t.right)]);

describe('VmMap', () => {
  describe('when entries are linked and unlinked', () => {
    it('should keep them in address order with their neighbours, positions and lookups', () => {
      const map = new VmMap(0, 1 << 30);
      const es = [entry(40), entry(10, 5), entry(20), entry(30, 2), entry(1)];
      for (const e of es) map.insert(e);
      const sorted = [...es].sort((a, b) => a.start - b.start);
      check(map, sorted);
      expect(map.timestamp).toBe(5);
      expect(map.ceil(0)).toBe(sorted[0]);
      expect(map.ceil(14 * P)).toBe(es[1]);
      expect(map.ceil(15 * P)).toBe(es[2]);
      expect(map.ceil(41 * P)).toBeNull();
      expect(map.lowerBound(15 * P)).toBe(2);
      expect(map.lowerBound(41 * P)).toBe(5);
      expect(map.lookup(11 * P)).toBe(1);
      expect(map.lookup(16 * P)).toBe(-1);
      expect(map.entryAt(16 * P)).toBeUndefined();
      expect(map.covered(10 * P, 15 * P)).toBe(true);
      expect(map.covered(10 * P, 16 * P)).toBe(false);
      expect(map.intersects(15 * P, 20 * P)).toBe(false);
      expect(map.intersects(15 * P, 21 * P)).toBe(true);
      expect(map.findSpace(10 * P, 5 * P)).toBe(15 * P);
      expect(map.findSpace(10 * P, 6 * P)).toBe(21 * P);
      expect(map.mappedPages).toBe(10);
      map.remove(es[1]!);
      expect(es[1]!.next).toBeNull();
      expect(map.contains(es[1]!)).toBe(false);
      check(
        map,
        sorted.filter((e) => e !== es[1]),
      );
      expect(map.timestamp).toBe(6);
    });

    it('should refuse writes through the entries view', () => {
      const map = new VmMap(0, 1 << 30);
      map.insert(entry(1));
      expect(() => (map.entries as VmMapEntry[]).push(entry(5))).toThrow(TypeError);
      expect(() => {
        (map.entries as VmMapEntry[])[0] = entry(5);
      }).toThrow(TypeError);
      expect(map.size).toBe(1);
      expect(map.entries.filter((e) => e.start === P)).toHaveLength(1);
      expect(map.entries.map((e) => e.end)).toEqual([2 * P]);
    });
  });

  describe('when a range of entries is removed at once', () => {
    it('should unlink exactly the entries starting in the range and bump the timestamp once', () => {
      const map = new VmMap(0, 1 << 30);
      const es = Array.from({ length: 100 }, (_, i) => entry(i * 2));
      for (const e of es) map.link(e);
      map.removeFrom(es[10]!, es[60]!.start);
      expect(map.timestamp).toBe(1);
      for (let i = 10; i < 60; i++) expect([es[i]!.prev, es[i]!.next, es[i]!.left, es[i]!.right, es[i]!.subtree]).toEqual([null, null, null, null, 1]);
      check(map, [...es.slice(0, 10), ...es.slice(60)]);
      map.removeFrom(map.first, Number.POSITIVE_INFINITY);
      check(map, []);
    });
  });

  describe('whatever order the entries came in', () => {
    it('should hold the same tree for the same entries (the shape depends on the addresses alone)', () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.nat(5000), { minLength: 1, maxLength: 200 }), fc.array(fc.nat(5000), { maxLength: 100 }), (pages, extra) => {
          const a = new VmMap(0, 1 << 30);
          for (const p of [...pages].sort((x, y) => x - y)) a.link(entry(p));
          const b = new VmMap(0, 1 << 30);
          // Another order, with entries added and removed again on the way.
          const others = extra.filter((p) => !pages.includes(p));
          const tmp = [...new Set(others)].map((p) => entry(p));
          for (const e of tmp) b.link(e);
          for (const p of [...pages].reverse()) b.link(entry(p));
          for (const e of tmp) b.unlink(e);
          expect(shape(b.root)).toEqual(shape(a.root));
        }),
        { numRuns: 200 },
      );
    });

    it('should stay shallow in a map of 100,000 entries put in address order', () => {
      const map = new VmMap(0, 2 ** 47);
      for (let i = 0; i < 100000; i++) map.link(entry(i * 2));
      const depth = (t: VmMapEntry | null): number => (t === null ? 0 : 1 + Math.max(depth(t.left), depth(t.right)));
      expect(map.size).toBe(100000);
      // A balanced tree has depth 17; a random treap's expected depth is about 2.99 ln n (34).
      expect(depth(map.root)).toBeLessThan(60);
    });
  });

  describe('under random inserts, removals, range removals and moves', () => {
    type Op =
      | { k: 'add'; page: number; pages: number }
      | { k: 'remove'; i: number }
      | { k: 'range'; page: number; pages: number }
      | { k: 'move'; i: number; by: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('add' as const), page: fc.nat(300), pages: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ k: fc.constant('remove' as const), i: fc.nat(1000) }),
      fc.record({ k: fc.constant('range' as const), page: fc.nat(300), pages: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ k: fc.constant('move' as const), i: fc.nat(1000), by: fc.integer({ min: -4, max: 4 }) }),
    );

    it('should agree with a sorted-array model', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 120, size: 'max' }), (ops) => {
          const map = new VmMap(0, 1 << 30);
          let model: VmMapEntry[] = [];
          for (const o of ops) {
            if (o.k === 'add') {
              const e = entry(o.page, o.pages);
              if (model.some((x) => x.start < e.end && e.start < x.end)) continue;
              map.insert(e);
              model.push(e);
              model.sort((x, y) => x.start - y.start);
            } else if (o.k === 'remove') {
              if (model.length === 0) continue;
              const e = model[o.i % model.length]!;
              map.remove(e);
              model = model.filter((x) => x !== e);
            } else if (o.k === 'range') {
              const s = o.page * P;
              const end = s + o.pages * P;
              map.removeFrom(map.ceil(s), end);
              // ceil(s) is the first entry ending above s: it goes even if it starts below s.
              const from = model.findIndex((x) => x.end > s);
              if (from >= 0) model = model.filter((x, i) => i < from || x.start >= end);
            } else {
              if (model.length === 0) continue;
              const i = o.i % model.length;
              const e = model[i]!;
              const start = e.start + o.by * P;
              const lo = i === 0 ? 0 : model[i - 1]!.end;
              if (start < lo || start >= e.end) continue;
              map.setStart(e, start);
            }
            check(map, model);
          }
        }),
        { numRuns: 150 },
      );
    });
  });
});
