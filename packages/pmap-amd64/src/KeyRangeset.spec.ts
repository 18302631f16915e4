import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyRangeset, type KeyValue } from './KeyRangeset.ts';

describe('KeyRangeset', () => {
  it('records, looks up and replaces', () => {
    const r = new KeyRangeset();
    r.set(0x1000, 0x5000, { key: 3, persist: false });
    expect(r.lookup(0x1000)).toEqual({ start: 0x1000, end: 0x5000, key: 3, persist: false });
    expect(r.lookup(0x4fff)?.key).toBe(3);
    expect(r.lookup(0x5000)).toBeUndefined();
    expect(r.lookup(0xfff)).toBeUndefined();
    r.set(0x2000, 0x3000, { key: 7, persist: true });
    expect(r.intervals().map((i) => [i.start, i.end, i.key])).toEqual([
      [0x1000, 0x2000, 3],
      [0x2000, 0x3000, 7],
      [0x3000, 0x5000, 3],
    ]);
  });

  it('counts a key-0 interval as an overlap', () => {
    const r = new KeyRangeset();
    r.set(0x1000, 0x2000, { key: 0, persist: false });
    expect(r.overlaps(0x1000, 0x2000)).toBe(true);
    expect(r.overlaps(0x0, 0x1001)).toBe(true);
    expect(r.overlaps(0x2000, 0x3000)).toBe(false);
    expect(r.overlaps(0x0, 0x1000)).toBe(false);
  });

  it('removeIf clips straddling intervals and keeps what the predicate spares', () => {
    const r = new KeyRangeset();
    r.set(0x1000, 0x4000, { key: 1, persist: false });
    r.set(0x4000, 0x6000, { key: 2, persist: true });
    expect(r.removeIf(0x2000, 0x5000, (v) => !v.persist)).toBe(true);
    expect(r.intervals().map((i) => [i.start, i.end, i.key])).toEqual([
      [0x1000, 0x2000, 1],
      [0x4000, 0x6000, 2],
    ]);
    expect(r.removeIf(0x2000, 0x4000, (v) => !v.persist)).toBe(false);
  });

  it('copyFrom gives an independent copy; clear empties', () => {
    const a = new KeyRangeset();
    a.set(0x1000, 0x2000, { key: 5, persist: true });
    const b = new KeyRangeset();
    b.copyFrom(a);
    a.clear();
    expect(a.size).toBe(0);
    expect(b.lookup(0x1000)?.key).toBe(5);
  });

  // Property: the rangeset agrees page by page with a naive model under any sequence of
  // set / remove / removeIf(non-persistent) / clear, and its intervals stay sorted and disjoint.
  it('agrees with a per-page model', () => {
    const PAGES = 24;
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('set' as const), s: fc.nat(PAGES), n: fc.nat(PAGES), key: fc.nat(15), persist: fc.boolean() }),
      fc.record({ op: fc.constant('remove' as const), s: fc.nat(PAGES), n: fc.nat(PAGES) }),
      fc.record({ op: fc.constant('dropNonPersist' as const), s: fc.nat(PAGES), n: fc.nat(PAGES) }),
      fc.record({ op: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const r = new KeyRangeset();
        const model: (KeyValue | undefined)[] = new Array(PAGES * 2).fill(undefined);
        for (const o of ops) {
          if (o.op === 'clear') {
            r.clear();
            model.fill(undefined);
            continue;
          }
          const s = o.s;
          const e = o.s + o.n;
          if (o.op === 'set') {
            r.set(s * 4096, e * 4096, { key: o.key, persist: o.persist });
            for (let p = s; p < e; p++) model[p] = { key: o.key, persist: o.persist };
          } else if (o.op === 'remove') {
            r.remove(s * 4096, e * 4096);
            for (let p = s; p < e; p++) model[p] = undefined;
          } else {
            r.removeIf(s * 4096, e * 4096, (v) => !v.persist);
            for (let p = s; p < e; p++) if (model[p] !== undefined && !model[p]!.persist) model[p] = undefined;
          }
        }
        for (let p = 0; p < PAGES * 2; p++) {
          const got = r.lookup(p * 4096 + 12);
          const want = model[p];
          if (want === undefined) expect(got).toBeUndefined();
          else expect({ key: got?.key, persist: got?.persist }).toEqual(want);
          expect(r.overlaps(p * 4096, (p + 1) * 4096)).toBe(want !== undefined);
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
