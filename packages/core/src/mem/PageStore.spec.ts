import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PageStore } from './PageStore.ts';
import { WORDS_PER_PAGE } from '../abi/constants.ts';

function words(store: PageStore, slot: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < WORDS_PER_PAGE; w++) out.push(store.read(slot, w));
  return out;
}

describe('PageStore', () => {
  describe('when fresh', () => {
    it('should read zero everywhere and be uniform zero', () => {
      const s = new PageStore(3);
      expect(s.slots).toBe(3);
      expect(words(s, 2).every((v) => v === 0)).toBe(true);
      expect(s.isUniform(0)).toBe(0);
    });
  });

  describe('when a slot is filled', () => {
    it('should read the fill in every word and drop earlier writes', () => {
      const s = new PageStore(2);
      s.write(0, 5, 9);
      s.fill(0, 0xdeadbeef);
      expect(s.read(0, 5)).toBe(0xdeadbeef);
      expect(s.isUniform(0)).toBe(0xdeadbeef);
      expect(s.read(1, 5)).toBe(0);
    });

    it('should store values as unsigned 32-bit', () => {
      const s = new PageStore(1);
      s.fill(0, -1);
      expect(s.read(0, 0)).toBe(0xffffffff);
      s.write(0, 1, -2);
      expect(s.read(0, 1)).toBe(0xfffffffe);
    });
  });

  describe('when a few words are written', () => {
    it('should read back the written words and the fill elsewhere', () => {
      const s = new PageStore(1);
      s.fill(0, 7);
      s.write(0, 0, 1);
      s.write(0, 1023, 2);
      s.write(0, 0, 3);
      expect(s.read(0, 0)).toBe(3);
      expect(s.read(0, 1023)).toBe(2);
      expect(s.read(0, 500)).toBe(7);
      expect(s.isUniform(0)).toBeUndefined();
    });

    it('should keep the other overrides when one is written back to the fill', () => {
      const s = new PageStore(1);
      for (let w = 0; w < 20; w++) s.write(0, w, w + 1);
      s.write(0, 18, 0);
      s.write(0, 3, 0);
      expect(s.read(0, 19)).toBe(20);
      s.write(0, 19, 0);
      for (let w = 0; w < 20; w++) expect(s.read(0, w)).toBe(w === 3 || w >= 18 ? 0 : w + 1);
    });

    it('should become uniform again when the words are written back to the fill', () => {
      const s = new PageStore(1);
      s.write(0, 3, 1);
      s.write(0, 3, 0);
      expect(s.isUniform(0)).toBe(0);
    });
  });

  describe('when one word of a slot differs from the fill', () => {
    it('should keep it inline, allocating no list node', () => {
      const s = new PageStore(4);
      for (let slot = 0; slot < 4; slot++) s.write(slot, slot * 100, slot + 1);
      expect(s.chunksInUse).toBe(0);
      for (let slot = 0; slot < 4; slot++) {
        expect(s.read(slot, slot * 100)).toBe(slot + 1);
        expect(s.read(slot, slot * 100 + 1)).toBe(0);
      }
      s.write(2, 200, 9);
      expect(s.read(2, 200)).toBe(9);
      expect(s.chunksInUse).toBe(0);
    });

    it('should move to a list node on a second word and back inline when one is undone', () => {
      const s = new PageStore(1);
      s.write(0, 7, 1);
      s.write(0, 8, 2);
      expect(s.chunksInUse).toBe(1);
      s.write(0, 7, 0);
      expect(s.chunksInUse).toBe(0);
      expect(s.read(0, 8)).toBe(2);
      expect(s.read(0, 7)).toBe(0);
      s.write(0, 8, 0);
      expect(s.isUniform(0)).toBe(0);
    });

    it('should keep a non-zero fill exact when a word is written over it, and compare it with sparse slots', () => {
      const s = new PageStore(3);
      s.fill(0, 5);
      s.write(0, 7, 1);
      expect(s.chunksInUse).toBe(0);
      expect(s.read(0, 7)).toBe(1);
      expect(s.read(0, 6)).toBe(5);
      s.write(0, 7, 5);
      expect(s.isUniform(0)).toBe(5);
      s.fill(1, 5);
      expect(s.equals(0, s, 1)).toBe(true);
      expect(s.equals(1, s, 0)).toBe(true);
      s.fill(0, 0);
      s.write(0, 3, 9);
      s.write(2, 3, 9);
      expect(s.equals(0, s, 2)).toBe(true);
      expect(s.equals(1, s, 2)).toBe(false);
      s.copyFrom(2, s, 1);
      expect(s.isUniform(2)).toBe(5);
    });

    it('should copy and compare an inline slot against every other form', () => {
      const s = new PageStore(4);
      s.write(0, 1023, 0xffffffff);
      s.copyFrom(1, s, 0);
      expect(s.read(1, 1023)).toBe(0xffffffff);
      expect(s.equals(0, s, 1)).toBe(true);
      for (let w = 0; w < 40; w++) s.write(2, w, 0xffffffff);
      for (let w = 0; w < 40; w++) s.write(2, w, 0);
      s.write(2, 1023, 0xffffffff); // dense block with one word set
      expect(s.equals(0, s, 2)).toBe(true);
      expect(s.equals(2, s, 0)).toBe(true);
      s.write(3, 1023, 0xffffffff);
      s.write(3, 0, 1);
      expect(s.equals(0, s, 3)).toBe(false);
      s.write(3, 0, 0);
      expect(s.equals(0, s, 3)).toBe(true);
      s.write(3, 1023, 1);
      expect(s.equals(3, s, 0)).toBe(false);
    });
  });

  describe('when more than 32 words are written', () => {
    it('should keep every word after promotion to a dense block', () => {
      const s = new PageStore(2);
      s.fill(0, 4);
      for (let w = 0; w < 100; w++) s.write(0, w * 3, w + 100);
      for (let w = 0; w < 100; w++) expect(s.read(0, w * 3)).toBe(w + 100);
      expect(s.read(0, 1)).toBe(4);
      expect(s.read(1, 1)).toBe(0);
    });

    it('should report a dense block that holds one value as uniform', () => {
      const s = new PageStore(1);
      for (let w = 0; w < WORDS_PER_PAGE; w++) s.write(0, w, 6);
      expect(s.isUniform(0)).toBe(6);
    });

    it('should reuse a released block', () => {
      const s = new PageStore(2);
      for (let w = 0; w < 40; w++) s.write(0, w, 1);
      const bytes = s.bytesUsed();
      s.clear(0);
      for (let w = 0; w < 40; w++) s.write(1, w, 2);
      expect(s.bytesUsed()).toBe(bytes);
      expect(s.read(1, 39)).toBe(2);
      expect(s.read(0, 39)).toBe(0);
    });
  });

  describe('when copying and comparing', () => {
    it('should copy list and dense slots between stores and compare them equal', () => {
      const a = new PageStore(2);
      const b = new PageStore(2);
      a.fill(0, 1);
      a.write(0, 10, 2);
      for (let w = 0; w < 50; w++) a.write(1, w, w);
      b.copyFrom(0, a, 0);
      b.copyFrom(1, a, 1);
      expect(words(b, 0)).toEqual(words(a, 0));
      expect(words(b, 1)).toEqual(words(a, 1));
      expect(b.equals(0, a, 0)).toBe(true);
      expect(b.equals(1, a, 1)).toBe(true);
      expect(b.equals(0, a, 1)).toBe(false);
      b.write(1, 49, 0);
      expect(b.equals(1, a, 1)).toBe(false);
    });

    it('should compare a dense slot equal to a list slot with the same words', () => {
      const s = new PageStore(2);
      for (let w = 0; w < 40; w++) s.write(0, w, 5);
      for (let w = 2; w < 40; w++) s.write(0, w, 0);
      s.write(1, 0, 5);
      s.write(1, 1, 5);
      expect(s.equals(0, s, 1)).toBe(true);
      expect(s.equals(1, s, 0)).toBe(true);
    });

    it('should copy a slot onto itself without change', () => {
      const s = new PageStore(1);
      s.write(0, 1, 1);
      s.copyFrom(0, s, 0);
      expect(s.read(0, 1)).toBe(1);
    });
  });

  describe('when driven by random operations', () => {
    type Op =
      | { k: 'fill'; st: number; slot: number; v: number }
      | { k: 'write'; st: number; slot: number; w: number; v: number }
      | { k: 'run'; st: number; slot: number; w: number; n: number; v: number; step: number }
      | { k: 'copy'; st: number; slot: number; st2: number; slot2: number }
      | { k: 'equals'; st: number; slot: number; st2: number; slot2: number }
      | { k: 'uniform'; st: number; slot: number }
      | { k: 'read'; st: number; slot: number; w: number };

    const SLOTS = [4, 3];
    const value = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(0, 1, 7, -1, 0xffffffff) },
      { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }) },
    );
    const word = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: WORDS_PER_PAGE - 1 }));
    const where = fc.integer({ min: 0, max: 1 }).chain((st) => fc.record({ st: fc.constant(st), slot: fc.integer({ min: 0, max: SLOTS[st] - 1 }) }));
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('fill' as const), at: where, v: value }).map(({ at, ...r }) => ({ ...r, ...at })),
      fc.record({ k: fc.constant('write' as const), at: where, w: word, v: value }).map(({ at, ...r }) => ({ ...r, ...at })),
      fc
        .record({
          k: fc.constant('run' as const),
          at: where,
          w: word,
          n: fc.oneof(fc.integer({ min: 1, max: 48 }), fc.constant(WORDS_PER_PAGE)),
          v: value,
          step: fc.constantFrom(0, 1),
        })
        .map(({ at, ...r }) => ({ ...r, ...at })),
      fc.record({ k: fc.constant('copy' as const), at: where, at2: where }).map(({ k, at, at2 }) => ({ k, ...at, st2: at2.st, slot2: at2.slot })),
      fc.record({ k: fc.constant('equals' as const), at: where, at2: where }).map(({ k, at, at2 }) => ({ k, ...at, st2: at2.st, slot2: at2.slot })),
      fc.record({ k: fc.constant('uniform' as const), at: where }).map(({ k, at }) => ({ k, ...at })),
      fc.record({ k: fc.constant('read' as const), at: where, w: word }).map(({ at, ...r }) => ({ ...r, ...at })),
    );

    type ModelSlot = { fill: number; words: Map<number, number> };
    const modelRead = (m: ModelSlot, w: number) => m.words.get(w) ?? m.fill;
    const modelWords = (m: ModelSlot) => Array.from({ length: WORDS_PER_PAGE }, (_, w) => modelRead(m, w));

    it('should agree with a Map-based model', () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60, size: 'max' }), (ops) => {
          const stores = SLOTS.map((n) => new PageStore(n));
          const model: Map<string, ModelSlot> = new Map();
          const m = (st: number, slot: number) => {
            const key = `${st}:${slot}`;
            let e = model.get(key);
            if (!e) {
              e = { fill: 0, words: new Map() };
              model.set(key, e);
            }
            return e;
          };
          for (const o of ops) {
            const s = stores[o.st];
            switch (o.k) {
              case 'fill':
                s.fill(o.slot, o.v);
                model.set(`${o.st}:${o.slot}`, { fill: o.v >>> 0, words: new Map() });
                break;
              case 'write':
                s.write(o.slot, o.w, o.v);
                m(o.st, o.slot).words.set(o.w, o.v >>> 0);
                break;
              case 'run':
                for (let i = 0; i < o.n; i++) {
                  const w = (o.w + i) % WORDS_PER_PAGE;
                  const v = (o.v + i * o.step) >>> 0;
                  s.write(o.slot, w, v);
                  m(o.st, o.slot).words.set(w, v);
                }
                break;
              case 'copy': {
                stores[o.st].copyFrom(o.slot, stores[o.st2], o.slot2);
                const src = m(o.st2, o.slot2);
                model.set(`${o.st}:${o.slot}`, { fill: src.fill, words: new Map(src.words) });
                break;
              }
              case 'equals': {
                const want = modelWords(m(o.st, o.slot)).every((v, w) => v === modelRead(m(o.st2, o.slot2), w));
                expect(s.equals(o.slot, stores[o.st2], o.slot2)).toBe(want);
                break;
              }
              case 'uniform': {
                const all = modelWords(m(o.st, o.slot));
                expect(s.isUniform(o.slot)).toBe(all.every((v) => v === all[0]) ? all[0] : undefined);
                break;
              }
              case 'read':
                expect(s.read(o.slot, o.w)).toBe(modelRead(m(o.st, o.slot), o.w));
                break;
            }
          }
          for (let st = 0; st < stores.length; st++) {
            for (let slot = 0; slot < SLOTS[st]; slot++) {
              expect(words(stores[st], slot)).toEqual(modelWords(m(st, slot)));
            }
          }
        }),
        { numRuns: 400 },
      );
    });
  });
});
