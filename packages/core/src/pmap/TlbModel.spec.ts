import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem/PhysMem.ts';
import { Counters } from '../vm/Counters.ts';
import { TlbModel } from './TlbModel.ts';

describe('TlbModel frame generations', () => {
  it('should count reuses of a cached frame from its fill, and keep nothing for frames no entry caches', () => {
    const mem = new PhysMem(64);
    const tlb = new TlbModel(2, mem, new Counters());
    const a = mem.alloc(1, 0);
    const b = mem.alloc(1, 1);
    tlb.fill(1, 5, 100, a, 3);
    tlb.fill(1, 5, 101, a, 3);
    expect(tlb.cachedFrames).toBe(1);
    mem.free(b);
    expect(mem.alloc(2, 0)).toBe(b);
    expect(tlb.generation(b)).toBe(0);
    mem.free(a);
    expect(mem.alloc(2, 1)).toBe(a);
    const gens: number[] = [];
    tlb.forEach((_cpu, _pmap, _vpn, frame, _bits, gen) => {
      gens.push(frame, gen);
    });
    expect(gens).toEqual([a, 0, a, 0]);
    expect(tlb.generation(a)).toBe(1);
    tlb.flush(1, 5, 100 * 4096, 101 * 4096);
    expect(tlb.cachedFrames).toBe(1);
    tlb.flush(1, 5, 0, 2 ** 40);
    expect(tlb.cachedFrames).toBe(0);
    expect(tlb.generation(a)).toBe(0);
  });

  it("should drop a replaced entry's frame reference", () => {
    const mem = new PhysMem(8);
    const tlb = new TlbModel(2, mem, new Counters());
    tlb.fill(0, 1, 7, 3, 3);
    tlb.fill(0, 1, 7, 4, 3);
    expect(tlb.cachedFrames).toBe(1);
    expect(tlb.lookup(0, 1, 7) % 0x80000000).toBe(4);
  });
});
