import { composeMachine, defaultMachine, runSerial } from '@vmlab/core';
import type { Kernel, Process } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

const PAGE = 4096;
const t0 = (p: Process) => p.thread(0)!;

/** Every (pmap id, vpn) pair the pv table holds, for frames [0, highWater). */
function pairs(k: Kernel): string[] {
  const out: string[] = [];
  for (let f = 0; f < k.mem.highWater; f++) for (let i = k.pv.first(f); i !== -1; i = k.pv.nextOf(i)) out.push(`${f}:${k.pv.pmapOf(i)}:${k.pv.vpnOf(i)}`);
  return out.sort();
}

/**
 * The pv table keeps a frame's one mapping relative to the frame's page index (PvTable's
 * classes), so a page that moves to another object index while mapped (vm_page_rename, here
 * vm_object_split at fork) must keep naming the same virtual page.
 */
describe('reverse mappings of a machine', () => {
  describe('when one anonymous mapping is faulted in', () => {
    it('should hold every page under one class, 2 bytes a frame', async () => {
      const m = await composeMachine({ ...defaultMachine('amd64', 'amd64'), physmem: 64 * 2 ** 20 }, defaultCatalog());
      const k = m.kernel;
      expect(k.spawn(1, false)).toEqual({ ok: true });
      const p = k.proc(1)!;
      const n = 8192;
      const r = k.mmap(p, { addr: undefined, len: n * PAGE, prot: 3, protExtra: '', flags: ['private', 'anon'] } as never) as { addr: number };
      for (let i = 0; i < n; i++) expect(k.write(p, t0(p), r.addr + i * PAGE, i + 1)).toEqual({ ok: true });
      // The machine's PvTable has the PhysMem as its keys: (pmap, entry start - offset) is one class.
      expect(k.pv.classCounts()).toEqual([n]);
      expect(k.pv.poolEntries).toBe(0);
      expect(k.pv.bytesUsed()).toBeLessThan(k.mem.capacity * 2 + 8192);
      expect(k.munmap(p, r.addr, n * PAGE)).toEqual({ ok: true });
      expect(k.pv.classCounts()).toEqual([]);
      expect(k.pv.entries).toBe(0);
    });
  });
});

describe('reverse mappings of renamed pages', () => {
  describe('when fork splits an object whose pages are mapped', () => {
    it('should keep every mapping at its virtual page, and leave none after the unmaps', async () => {
      const m = await composeMachine({ ...defaultMachine('amd64', 'amd64'), abi: 'freebsd' }, defaultCatalog());
      const k = m.kernel;
      expect(k.spawn(1, false)).toEqual({ ok: true });
      const p = k.proc(1)!;
      const r = k.mmap(p, { addr: undefined, len: 8 * PAGE, prot: 3, protExtra: '', flags: ['private', 'anon'] } as never) as { addr: number };
      for (let i = 0; i < 8; i++) expect(k.write(p, t0(p), r.addr + i * PAGE, i + 1)).toEqual({ ok: true });
      // Three entries over one object: fork's splits give the first pages 0..1 (as 0..1 of a new
      // object) and the middle one pages 2..5 (as 0..3 of another: renamed to other indexes).
      expect(k.mprotect(p, r.addr + 2 * PAGE, 4 * PAGE, 1, '')).toEqual({ ok: true });
      const before = pairs(k);
      expect(before).toHaveLength(8);
      const objectsBefore = new Set(p.vmspace.map.entries.filter((e) => e.start >= r.addr && e.start < r.addr + 8 * PAGE).map((e) => e.object));
      expect(objectsBefore.size).toBe(1);
      expect(runSerial(k.fork(p, t0(p), 2))).toEqual({ ok: true });
      const objectsAfter = new Set(p.vmspace.map.entries.filter((e) => e.start >= r.addr && e.start < r.addr + 8 * PAGE).map((e) => e.object));
      expect(objectsAfter.size).toBe(3);
      // The parent's write-protected mappings stay where they were (fork maps nothing in the child).
      expect(pairs(k)).toEqual(before);
      const c = k.proc(2)!;
      for (let i = 0; i < 8; i++) expect(k.read(c, t0(c), r.addr + i * PAGE)).toEqual({ value: i + 1 });
      expect(k.munmap(p, r.addr, 8 * PAGE)).toEqual({ ok: true });
      expect(k.munmap(c, r.addr, 8 * PAGE)).toEqual({ ok: true });
      expect(pairs(k)).toEqual([]);
      expect(k.pv.entries).toBe(0);
    });
  });
});
