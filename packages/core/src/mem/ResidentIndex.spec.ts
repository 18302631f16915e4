import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PhysMem } from './PhysMem.ts';
import { ResidentIndex } from './ResidentIndex.ts';

describe('ResidentIndex', () => {
  describe('when empty', () => {
    it('should find nothing and hold a 64-slot probe table whatever the physmem', () => {
      const idx = new ResidentIndex(new PhysMem(100));
      expect(idx.lookup(1, 0)).toBe(-1);
      expect(idx.lookup(1, -1)).toBe(-1);
      expect(idx.size).toBe(0);
      expect(idx.capacity).toBe(64);
      expect(idx.bytesUsed()).toBe(64 * 4);
      expect(new ResidentIndex(new PhysMem(1 << 30)).bytesUsed()).toBe(64 * 4);
    });

    it('should keep 16 consecutive pages of an object in one group, about 5.3 bytes a page when dense', () => {
      const mem = new PhysMem(1 << 20);
      const idx = new ResidentIndex(mem);
      for (let i = 0; i < 65536; i++) idx.insert(mem.alloc(3, i));
      expect(idx.groups).toBe(4096);
      // probe table 8192 slots (load 1/2), 4096 group keys of 13 bytes, 16 slabs of 256 groups of 16 frames
      expect(idx.capacity).toBe(8192);
      expect(idx.bytesUsed()).toBe(8192 * 4 + 4096 * 13 + 16 * 256 * 16 * 4);
      expect(idx.bytesUsed() / 65536).toBeLessThan(5.4);
      for (let i = 0; i < 65536; i += 16) idx.remove(i);
      expect(idx.groups).toBe(4096);
    });

    it('should double its probe table as groups are added, keeping the load at most 3/4', () => {
      const mem = new PhysMem(1 << 20);
      const idx = new ResidentIndex(mem);
      const frames: number[] = [];
      for (let i = 0; i < 768; i++) {
        const f = mem.alloc(i % 7, Math.floor(i / 7) * 3 * 16 + (i % 2) * 2 ** 32);
        idx.insert(f);
        frames.push(f);
        if (i === 47) expect(idx.capacity).toBe(64);
        if (i === 48) expect(idx.capacity).toBe(128);
      }
      expect(idx.groups).toBe(768);
      expect(idx.capacity).toBe(1024);
      for (const f of frames) expect(idx.lookup(mem.objectOf(f), mem.pindexOf(f))).toBe(f);
      for (let i = 0; i < 768; i += 2) idx.remove(frames[i]);
      for (let i = 0; i < 768; i++) expect(idx.lookup(mem.objectOf(frames[i]), mem.pindexOf(frames[i]))).toBe(i % 2 === 0 ? -1 : frames[i]);
      expect(idx.size).toBe(384);
    });
  });

  describe('when frames are inserted', () => {
    it('should find each by object and pindex, including pindex beyond 2^32', () => {
      const mem = new PhysMem(8);
      const idx = new ResidentIndex(mem);
      const a = mem.alloc(1, 5);
      const b = mem.alloc(2, 5);
      const c = mem.alloc(1, 2 ** 33 + 5);
      idx.insert(a);
      idx.insert(b);
      idx.insert(c);
      expect(idx.lookup(1, 5)).toBe(a);
      expect(idx.lookup(2, 5)).toBe(b);
      expect(idx.lookup(1, 2 ** 33 + 5)).toBe(c);
      expect(idx.lookup(1, 2 ** 32 + 5)).toBe(-1);
      expect(idx.size).toBe(3);
    });

    it('should refuse a key that is already present', () => {
      const mem = new PhysMem(4);
      const idx = new ResidentIndex(mem);
      idx.insert(mem.alloc(1, 1));
      expect(() => idx.insert(mem.alloc(1, 1))).toThrow();
    });
  });

  describe('when frames are removed', () => {
    it('should keep the other entries findable', () => {
      const mem = new PhysMem(64);
      const idx = new ResidentIndex(mem);
      const frames = Array.from({ length: 64 }, (_, i) => mem.alloc(7, i));
      for (const f of frames) idx.insert(f);
      for (let i = 0; i < 64; i += 2) idx.remove(frames[i]);
      for (let i = 0; i < 64; i++) expect(idx.lookup(7, i)).toBe(i % 2 ? frames[i] : -1);
      expect(idx.size).toBe(32);
    });

    it('should refuse a frame that is not present', () => {
      const mem = new PhysMem(4);
      const idx = new ResidentIndex(mem);
      expect(() => idx.remove(mem.alloc(1, 1))).toThrow();
    });
  });

  describe('when driven by random operations', () => {
    type Op = { k: 'add'; obj: number; pindex: number } | { k: 'remove'; i: number } | { k: 'lookup'; obj: number; pindex: number };
    const pindex = fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.nat(2 ** 53 - 1),
      fc.integer({ min: 0, max: 3 }).map((h) => h * 2 ** 32 + 1),
    );
    const obj = fc.integer({ min: -1, max: 5 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('add' as const), obj, pindex }),
      fc.record({ k: fc.constant('remove' as const), i: fc.nat(1000) }),
      fc.record({ k: fc.constant('lookup' as const), obj, pindex }),
    );

    it('should agree with a Map-based model', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 150, size: 'max' }), (ops) => {
          const mem = new PhysMem(32);
          const idx = new ResidentIndex(mem);
          const model = new Map<string, number>();
          const key = (o: number, p: number) => `${o}/${p}`;
          for (const o of ops) {
            if (o.k === 'add') {
              if (model.has(key(o.obj, o.pindex))) continue;
              const f = mem.alloc(o.obj, o.pindex);
              if (f < 0) continue;
              idx.insert(f);
              model.set(key(o.obj, o.pindex), f);
            } else if (o.k === 'remove') {
              if (model.size === 0) continue;
              const [k, f] = [...model.entries()][o.i % model.size];
              idx.remove(f);
              mem.free(f);
              model.delete(k);
            } else {
              expect(idx.lookup(o.obj, o.pindex)).toBe(model.get(key(o.obj, o.pindex)) ?? -1);
            }
            expect(idx.size).toBe(model.size);
          }
          for (const f of model.values()) expect(idx.lookup(mem.objectOf(f), mem.pindexOf(f))).toBe(f);
        }),
        { numRuns: 300 },
      );
    });

    it('should survive a full table of colliding-prone keys with interleaved removals', () => {
      const mem = new PhysMem(256);
      const idx = new ResidentIndex(mem);
      const live: number[] = [];
      let seq = 0;
      for (let round = 0; round < 2000; round++) {
        if (mem.freeCount > 0 && (round % 3 !== 0 || live.length === 0)) {
          const f = mem.alloc(round % 4, seq++ * 2 ** 20);
          idx.insert(f);
          live.push(f);
        } else {
          const f = live.splice((round * 7919) % live.length, 1)[0];
          idx.remove(f);
          mem.free(f);
        }
      }
      for (const f of live) expect(idx.lookup(mem.objectOf(f), mem.pindexOf(f))).toBe(f);
      expect(idx.size).toBe(live.length);
    });
  });
});
