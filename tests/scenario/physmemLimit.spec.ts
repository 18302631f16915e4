import { composeMachine, defaultMachine, MAX_PHYSMEM, type PmapContext, PmapContextToken } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

const GiB = 2 ** 30;

describe('physmem limit and lazily grown frame tables', () => {
  it('should build a machine at the limit whose frame tables hold only the frames used', async () => {
    expect(MAX_PHYSMEM).toBe(256 * GiB);
    const m = await composeMachine({ ...defaultMachine('amd64'), physmem: MAX_PHYSMEM }, defaultCatalog());
    const k = m.kernel;
    expect(k.mem.npages).toBe(MAX_PHYSMEM / 4096);
    k.spawn(1, false, 0);
    const p = k.proc(1)!;
    const r = k.mmap(p, { addr: undefined, len: 8192 * 4096, prot: 3, protExtra: '', flags: ['private', 'anon'] } as never) as { addr: number };
    for (let i = 0; i < 8192; i++) expect(k.write(p, p.thread(0)!, r.addr + i * 4096, i + 1)).toEqual({ ok: true });
    expect(k.read(p, p.thread(0)!, r.addr + 8191 * 4096)).toEqual({ value: 8192 });
    // Frame storage follows use: 4096 frames at first, grown by a quarter (at least 4096) at a time.
    const cap = k.mem.capacity;
    expect(k.mem.highWater).toBeGreaterThanOrEqual(8192);
    expect(cap).toBeGreaterThanOrEqual(k.mem.highWater);
    expect(cap).toBeLessThanOrEqual(12288);
    // 10 bytes a frame (issue 18: the key as a slot of the resident index's groups, one-byte
    // list links; the wire count beside the table; no frame here is wired, and frames faulted
    // in order link their neighbours, so the four link spills keep their first 16 slots).
    expect(k.mem.bytesUsed()).toBe(cap * 10 + 3 * 5 * 4 + 4 * 16 * 8);
    // pv: 2 bytes a frame mapped once (a class id: the pages of this one mapping share one class).
    expect(k.pv.bytesUsed()).toBeLessThan(cap * 2 + 8192);
    expect(k.mem.contents.bytesUsed()).toBeLessThan(cap * 6 + 65536);
    expect(k.resident.bytesUsed()).toBeLessThanOrEqual(16384 * 4);
    const tlb = m.container.get<PmapContext>(PmapContextToken).tlb!;
    expect(tlb.cachedFrames).toBeLessThanOrEqual(2 * 1024);
    expect(k.mem.freeCount).toBe(k.mem.npages - k.mem.highWater);
  });

  it('should refuse a physmem past the limit, naming the limit', async () => {
    await expect(composeMachine({ ...defaultMachine('amd64'), physmem: MAX_PHYSMEM + 4096 }, defaultCatalog())).rejects.toThrow(/256 GiB \(the limit\)/);
  });
});
