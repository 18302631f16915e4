import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PhysMem, type MemqOwner, PG_DIRTY, PG_WIRED, PG_TABLED, PQ_ACTIVE, PQ_FREE, PQ_INACTIVE, PQ_LAUNDRY, PQ_NONE } from './PhysMem.ts';
import { ResidentIndex } from './ResidentIndex.ts';

function queueFrames(mem: PhysMem, q: number): number[] {
  const out: number[] = [];
  for (let f = mem.queueHead(q); f !== -1; f = mem.queueNext(f)) out.push(f);
  return out;
}

function memqFrames(mem: PhysMem, owner: MemqOwner): number[] {
  const out: number[] = [];
  for (let f = owner.memq; f !== -1; f = mem.listNextOf(f)) out.push(f);
  return out;
}

describe('PhysMem', () => {
  describe('when fresh', () => {
    it('should have every frame free and hand out frame 0 first', () => {
      const mem = new PhysMem(4);
      expect(mem.freeCount).toBe(4);
      expect(mem.queueLength(PQ_FREE)).toBe(4);
      expect(mem.alloc(9, 3)).toBe(0);
      expect(mem.alloc(9, 4)).toBe(1);
      expect(mem.objectOf(0)).toBe(9);
      expect(mem.pindexOf(1)).toBe(4);
      expect(mem.queue[0]).toBe(PQ_NONE);
      expect(mem.freeCount).toBe(2);
    });

    it('should keep frame metadata at about 10 bytes per frame with storage', () => {
      // key slot 4, flags 1, queue 1, four one-byte links 4; the rest is the empty spill
      // tables and queue heads over 4096 frames (the object and index are in the key groups,
      // which ResidentIndex counts).
      expect(new PhysMem(1 << 16).bytesPerPage()).toBeCloseTo(10.14, 2);
    });

    it('should keep wire counts beside the frame table, PG_WIRED set while one is non-zero', () => {
      const mem = new PhysMem(4);
      const a = mem.alloc(1, 0);
      const b = mem.alloc(1, 1);
      expect(mem.wireCountOf(a)).toBe(0);
      mem.setWireCount(a, 3);
      mem.setWireCount(b, 1);
      expect([mem.wireCountOf(a), mem.wireCountOf(b)]).toEqual([3, 1]);
      expect(mem.flags[a]! & PG_WIRED).toBe(PG_WIRED);
      mem.setWireCount(a, mem.wireCountOf(a) - 3);
      expect(mem.wireCountOf(a)).toBe(0);
      expect(mem.flags[a]! & PG_WIRED).toBe(0);
      // 16 bits, as before: 65536 wires read as none.
      mem.setWireCount(a, 65536);
      expect(mem.wireCountOf(a)).toBe(0);
      mem.free(b);
      expect(mem.alloc(2, 5)).toBe(b);
      expect(mem.wireCountOf(b)).toBe(0);
    });

    it('should keep page indices past 2^31 exactly, and forget them when the frame is freed', () => {
      const mem = new PhysMem(8);
      const owner: MemqOwner = { memq: -1, resident: 0 };
      const big = [2 ** 31, 2 ** 31 - 1, 2 ** 40 + 3, 2 ** 52 - 1, 0];
      const frames = big.map((p) => mem.alloc(5, p));
      expect(frames.map((f) => mem.pindexOf(f))).toEqual(big);
      mem.rekey(frames[0]!, 5, 7);
      mem.rekey(frames[1]!, 5, 2 ** 45);
      expect(mem.pindexOf(frames[0]!)).toBe(7);
      expect(mem.pindexOf(frames[1]!)).toBe(2 ** 45);
      mem.memqInsert(owner, frames[2]!);
      mem.free(frames[2]!, owner);
      expect(mem.pindexOf(frames[2]!)).toBe(0);
      // The freed frame is reused first (LIFO) and reads its new index, not the old large one.
      expect(mem.alloc(6, 12)).toBe(frames[2]);
      expect(mem.pindexOf(frames[2]!)).toBe(12);
      expect(mem.pindexOf(frames[3]!)).toBe(2 ** 52 - 1);
    });

    it('should allocate storage for the frames used, not for npages', () => {
      const mem = new PhysMem(2 ** 30);
      expect(mem.capacity).toBe(4096);
      expect(mem.bytesUsed()).toBeLessThan(4096 * 33);
      expect(mem.contents.bytesUsed()).toBeLessThan(4096 * 6 + 65536);
      for (let i = 0; i < 4096; i++) mem.alloc(1, i);
      expect(mem.capacity).toBe(4096);
      expect(mem.alloc(1, 4096)).toBe(4096);
      expect(mem.capacity).toBe(8192);
      expect(mem.objectOf(4096)).toBe(1);
      expect(mem.highWater).toBe(4097);
      expect(mem.freeCount).toBe(2 ** 30 - 4097);
    });

    it('should double its tables, never past npages', () => {
      const mem = new PhysMem(40000);
      const grownTo: number[] = [];
      mem.addTable({ growFrames: (n) => grownTo.push(n) });
      for (let i = 0; i < 40000; i++) mem.alloc(1, i);
      expect(mem.alloc(1, 40000)).toBe(-1);
      expect(grownTo).toEqual([4096, 8192, 16384, 32768, 40000]);
      expect(mem.capacity).toBe(40000);
    });

    it('should hand out untouched frames in ascending order after the freed ones', () => {
      const mem = new PhysMem(6);
      for (let i = 0; i < 3; i++) mem.alloc(1, i);
      mem.free(1);
      expect(queueFrames(mem, PQ_FREE)).toEqual([1, 3, 4, 5]);
      expect(mem.queueLength(PQ_FREE)).toBe(4);
      expect(mem.alloc(2, 0)).toBe(1);
      expect(mem.alloc(2, 1)).toBe(3);
    });
  });

  describe('when memory runs out', () => {
    it('should return -1', () => {
      const mem = new PhysMem(1);
      expect(mem.alloc(1, 0)).toBe(0);
      expect(mem.alloc(1, 1)).toBe(-1);
    });
  });

  describe('when frames are freed', () => {
    it('should reuse the most recently freed frame first with cleared state', () => {
      const mem = new PhysMem(4);
      const a = mem.alloc(1, 0);
      const b = mem.alloc(1, 1);
      mem.flags[a] |= PG_DIRTY;
      mem.setWireCount(a, 2);
      mem.enqueue(a, PQ_ACTIVE);
      mem.free(b);
      mem.free(a);
      expect(mem.queue[a]).toBe(PQ_FREE);
      expect(mem.objectOf(a)).toBe(-1);
      expect(mem.queueLength(PQ_ACTIVE)).toBe(0);
      expect(mem.alloc(2, 0)).toBe(a);
      expect(mem.flags[a]).toBe(0);
      expect(mem.wireCountOf(a)).toBe(0);
      expect(mem.alloc(2, 1)).toBe(b);
    });

    it('should refuse a double free', () => {
      const mem = new PhysMem(2);
      const f = mem.alloc(1, 0);
      mem.free(f);
      expect(() => mem.free(f)).toThrow();
    });

    it('should take the frame off its owner list and require the owner', () => {
      const mem = new PhysMem(3);
      const owner: MemqOwner = { memq: -1, resident: 0 };
      const f = mem.alloc(1, 0);
      const g = mem.alloc(1, 1);
      mem.memqInsert(owner, f);
      mem.memqInsert(owner, g);
      expect(() => mem.free(g)).toThrow();
      mem.free(g, owner);
      expect(memqFrames(mem, owner)).toEqual([f]);
      expect(owner.resident).toBe(1);
      expect(mem.flags[g] & PG_TABLED).toBe(0);
    });
  });

  describe('when frames are queued', () => {
    it('should keep LRU order and move requeued frames to the tail', () => {
      const mem = new PhysMem(4);
      const [a, b, c] = [mem.alloc(1, 0), mem.alloc(1, 1), mem.alloc(1, 2)];
      mem.enqueue(a, PQ_INACTIVE);
      mem.enqueue(b, PQ_INACTIVE);
      mem.enqueue(c, PQ_INACTIVE);
      mem.requeue(a);
      expect(queueFrames(mem, PQ_INACTIVE)).toEqual([b, c, a]);
      mem.enqueue(c, PQ_LAUNDRY);
      expect(queueFrames(mem, PQ_INACTIVE)).toEqual([b, a]);
      expect(queueFrames(mem, PQ_LAUNDRY)).toEqual([c]);
      mem.dequeue(b);
      expect(mem.queue[b]).toBe(PQ_NONE);
      expect(mem.queueLength(PQ_INACTIVE)).toBe(1);
    });
  });

  describe('when linked frames are far apart', () => {
    it('should keep queue, list and free-stack orders exactly, with links past 127 frames spilled and dropped again', () => {
      fc.assert(
        fc.property(fc.array(fc.record({ k: fc.constantFrom('q', 'dq', 'memq', 'free'), i: fc.nat(1023) }), { maxLength: 300 }), (ops) => {
          const N = 1024;
          const mem = new PhysMem(N);
          const owner: MemqOwner = { memq: -1, resident: 0 };
          for (let i = 0; i < N; i++) mem.alloc(1, i);
          const active: number[] = [];
          const list: number[] = [];
          const freed: number[] = [];
          const live = new Set(Array.from({ length: N }, (_, i) => i));
          for (const o of ops) {
            // Spread the picks over the whole physmem so neighbours are mostly far apart.
            const f = (o.i * 389) % N;
            if (!live.has(f)) continue;
            if (o.k === 'q') {
              mem.enqueue(f, PQ_ACTIVE);
              if (active.includes(f)) active.splice(active.indexOf(f), 1);
              active.push(f);
            } else if (o.k === 'dq') {
              mem.dequeue(f);
              if (active.includes(f)) active.splice(active.indexOf(f), 1);
            } else if (o.k === 'memq') {
              if (list.includes(f)) {
                mem.memqRemove(owner, f);
                list.splice(list.indexOf(f), 1);
              } else {
                mem.memqInsert(owner, f);
                list.unshift(f);
              }
            } else {
              mem.free(f, list.includes(f) ? owner : undefined);
              if (active.includes(f)) active.splice(active.indexOf(f), 1);
              if (list.includes(f)) list.splice(list.indexOf(f), 1);
              live.delete(f);
              freed.unshift(f);
            }
          }
          expect(queueFrames(mem, PQ_ACTIVE)).toEqual(active);
          expect(memqFrames(mem, owner)).toEqual(list);
          expect(queueFrames(mem, PQ_FREE)).toEqual(freed);
          for (const f of list) expect(mem.listPrevOf(f)).toBe(list[list.indexOf(f) - 1] ?? -1);
          // Taking every frame off every list leaves no spilled link behind.
          for (const f of [...active]) mem.dequeue(f);
          for (const f of [...list]) mem.memqRemove(owner, f);
          for (const f of freed) expect(mem.alloc(2, f)).toBe(f);
          expect(mem.bytesUsed()).toBe(new PhysMem(N).bytesUsed());
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("when an object's frames are freed together (freeAll)", () => {
    // Two machines driven alike; in one the owner's frames are freed with freeAll, in the
    // other one by one with free (each taken out of the index first, as vm_page_free does).
    const build = (ops: { f: number; q: number; wire: boolean; owner: number }[]) => {
      const N = 1024;
      const mem = new PhysMem(N);
      const index = new ResidentIndex(mem);
      const owners: MemqOwner[] = [
        { memq: -1, resident: 0 },
        { memq: -1, resident: 0 },
      ];
      const frames: number[] = [];
      for (let i = 0; i < N; i++) frames.push(mem.alloc(9, i));
      for (const o of ops) {
        const f = (o.f * 389) % N; // spread over the physmem, so links spill
        if ((mem.flags[f] & PG_TABLED) !== 0) continue;
        mem.rekey(f, 7 + o.owner, o.f);
        if (index.lookup(7 + o.owner, o.f) !== -1) continue;
        index.insert(f);
        mem.memqInsert(owners[o.owner], f);
        if (o.q !== PQ_NONE) mem.enqueue(f, o.q);
        if (o.wire) mem.setWireCount(f, 2);
      }
      return { mem, index, owners };
    };
    it('should leave the free stack, the queues, the index and the other lists as freeing them one by one does', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ f: fc.nat(1023), q: fc.constantFrom(PQ_NONE, PQ_ACTIVE, PQ_INACTIVE), wire: fc.boolean(), owner: fc.nat(1) }), {
            maxLength: 200,
          }),
          (ops) => {
            const a = build(ops);
            const b = build(ops);
            const list = memqFrames(a.mem, a.owners[0]);
            a.index.freeAll(a.owners[0]);
            for (const f of list) {
              b.index.remove(f);
              b.mem.free(f, b.owners[0]);
            }
            expect(a.owners[0]).toEqual({ memq: -1, resident: 0 });
            expect(a.owners[1]).toEqual(b.owners[1]);
            expect(memqFrames(a.mem, a.owners[1])).toEqual(memqFrames(b.mem, b.owners[1]));
            for (const q of [PQ_FREE, PQ_ACTIVE, PQ_INACTIVE]) expect(queueFrames(a.mem, q)).toEqual(queueFrames(b.mem, q));
            expect(a.mem.freeCount).toBe(b.mem.freeCount);
            expect(a.index.size).toBe(b.index.size);
            expect(a.index.groups).toBe(b.index.groups);
            for (const f of list) {
              expect(a.mem.queue[f]).toBe(PQ_FREE);
              expect(a.mem.objectOf(f)).toBe(-1);
              expect(a.mem.wireCountOf(f)).toBe(0);
              expect(a.mem.listNextOf(f)).toBe(-1);
              expect(a.mem.listPrevOf(f)).toBe(-1);
            }
            for (const o of ops) expect(a.index.lookup(7 + o.owner, o.f)).toBe(b.index.lookup(7 + o.owner, o.f));
            // no spilled link is left behind by the frames freed together
            expect(a.mem.bytesUsed()).toBe(b.mem.bytesUsed());
          },
        ),
        { numRuns: 200 },
      );
    });
    it('should take long runs of queued frames off their queue as one by one does', () => {
      // A fault loop: frames enter the list and the active queue in the same order, so the
      // list runs newest first along the queue; another object's frame breaks the run now and then.
      const ops = Array.from({ length: 600 }, (_, i) => ({ f: i, q: i % 97 === 5 ? PQ_INACTIVE : PQ_ACTIVE, wire: false, owner: i % 50 === 7 ? 1 : 0 }));
      const a = build(ops);
      const b = build(ops);
      const list = memqFrames(a.mem, a.owners[0]);
      expect(list.length).toBeGreaterThan(500);
      a.index.freeAll(a.owners[0]);
      for (const f of list) {
        b.index.remove(f);
        b.mem.free(f, b.owners[0]);
      }
      for (const q of [PQ_FREE, PQ_ACTIVE, PQ_INACTIVE]) {
        expect(queueFrames(a.mem, q)).toEqual(queueFrames(b.mem, q));
        expect(a.mem.queueLength(q)).toBe(b.mem.queueLength(q));
      }
      expect(a.mem.bytesUsed()).toBe(b.mem.bytesUsed());
    });
    it('should refuse a resident list whose frame is not in the index', () => {
      const mem = new PhysMem(8);
      const owner: MemqOwner = { memq: -1, resident: 0 };
      mem.memqInsert(owner, mem.alloc(1, 0));
      expect(() => mem.freeAll(owner)).toThrow(/frame 0 is on a resident list but not indexed/);
    });
  });

  describe('when driven by random operations', () => {
    type Op =
      | { k: 'alloc'; obj: number; pindex: number }
      | { k: 'free'; i: number }
      | { k: 'enqueue'; i: number; q: number }
      | { k: 'dequeue'; i: number }
      | { k: 'requeue'; i: number }
      | { k: 'memq'; i: number };

    const idx = fc.nat(1000);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('alloc' as const), obj: fc.integer({ min: 0, max: 3 }), pindex: fc.nat(2 ** 40) }),
      fc.record({ k: fc.constant('free' as const), i: idx }),
      fc.record({ k: fc.constant('enqueue' as const), i: idx, q: fc.constantFrom(PQ_ACTIVE, PQ_INACTIVE, PQ_LAUNDRY) }),
      fc.record({ k: fc.constant('dequeue' as const), i: idx }),
      fc.record({ k: fc.constant('requeue' as const), i: idx }),
      fc.record({ k: fc.constant('memq' as const), i: idx }),
    );

    it('should agree with a Map-based model', () => {
      const N = 8;
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80, size: 'max' }), (ops) => {
          const mem = new PhysMem(N);
          const owners: MemqOwner[] = [0, 1, 2, 3].map(() => ({ memq: -1, resident: 0 }));
          // Model: allocated frames with their state, queues in order, free stack (top last), memq lists (head first).
          const frames = new Map<number, { obj: number; pindex: number; q: number; tabled: boolean }>();
          const queues = new Map<number, number[]>([PQ_ACTIVE, PQ_INACTIVE, PQ_LAUNDRY].map((q) => [q, []]));
          const freeStack = Array.from({ length: N }, (_, i) => N - 1 - i);
          const memqs = owners.map(() => [] as number[]);
          const pick = (i: number) => [...frames.keys()][i % frames.size];
          const unqueue = (f: number) => {
            const st = frames.get(f)!;
            if (st.q !== PQ_NONE) queues.get(st.q)!.splice(queues.get(st.q)!.indexOf(f), 1);
            st.q = PQ_NONE;
          };
          for (const o of ops) {
            if (o.k === 'alloc') {
              const want = freeStack.length ? freeStack.pop()! : -1;
              expect(mem.alloc(o.obj, o.pindex)).toBe(want);
              if (want >= 0) frames.set(want, { obj: o.obj, pindex: o.pindex, q: PQ_NONE, tabled: false });
              continue;
            }
            if (frames.size === 0) continue;
            const f = pick(o.i);
            const st = frames.get(f)!;
            switch (o.k) {
              case 'free':
                mem.free(f, st.tabled ? owners[st.obj] : undefined);
                unqueue(f);
                if (st.tabled) memqs[st.obj].splice(memqs[st.obj].indexOf(f), 1);
                frames.delete(f);
                freeStack.push(f);
                break;
              case 'enqueue':
                mem.enqueue(f, o.q);
                unqueue(f);
                queues.get(o.q)!.push(f);
                st.q = o.q;
                break;
              case 'dequeue':
                mem.dequeue(f);
                unqueue(f);
                break;
              case 'requeue':
                mem.requeue(f);
                if (st.q !== PQ_NONE) {
                  const q = st.q;
                  unqueue(f);
                  queues.get(q)!.push(f);
                  st.q = q;
                }
                break;
              case 'memq':
                if (st.tabled) {
                  mem.memqRemove(owners[st.obj], f);
                  memqs[st.obj].splice(memqs[st.obj].indexOf(f), 1);
                } else {
                  mem.memqInsert(owners[st.obj], f);
                  memqs[st.obj].unshift(f);
                }
                st.tabled = !st.tabled;
                break;
            }
          }
          expect(mem.freeCount).toBe(freeStack.length);
          expect(queueFrames(mem, PQ_FREE)).toEqual([...freeStack].reverse());
          for (const [q, list] of queues) {
            expect(queueFrames(mem, q)).toEqual(list);
            expect(mem.queueLength(q)).toBe(list.length);
          }
          for (const [f, st] of frames) {
            expect(mem.objectOf(f)).toBe(st.obj);
            expect(mem.pindexOf(f)).toBe(st.pindex);
            expect(mem.queue[f]).toBe(st.q);
          }
          owners.forEach((owner, i) => {
            expect(memqFrames(mem, owner)).toEqual(memqs[i]);
            expect(owner.resident).toBe(memqs[i].length);
          });
        }),
        { numRuns: 300 },
      );
    });
  });
});
