import { composeMachine, defaultMachine, PG_DIRTY, PG_REFERENCED, runNow, VM_PROT_READ } from '@vmlab/core';
import type { Kernel, Process, Thread } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

/**
 * pmap_remove and pmap_protect over ranges that start and end inside page-table leaves
 * (512 PTEs each), cross leaf boundaries, and pass over a leaf that was never allocated and
 * PTEs never entered: exactly the PTEs in the range change, the hardware dirty and
 * referenced bits reach the page, and the pv entries of removed PTEs go.
 */
const PAGE = 4096;
const PAGES = 2048;
/** Pages left untouched: a whole leaf (512..1023, no leaf allocated) and a few scattered ones. */
const untouched = (i: number): boolean => (i >= 512 && i < 1024) || i % 97 === 5;
/** Pages only read (their PTE is referenced, not dirty). */
const readOnly = (i: number): boolean => i % 3 === 1;

async function setup(): Promise<{ k: Kernel; p: Process; t: Thread; a: number; frames: number[] }> {
  const m = await composeMachine({ ...defaultMachine('amd64', 'amd64'), physmem: 64 << 20 }, defaultCatalog());
  const k = m.kernel;
  expect(k.spawn(1, false)).toEqual({ ok: true });
  const p = k.proc(1)!;
  const t = p.thread(0)!;
  const o = runNow(k.mmap(p, { len: PAGES * PAGE, prot: 3, protExtra: '', flags: ['private', 'anon'] }));
  const a = o.addr as number;
  const frames: number[] = [];
  for (let i = 0; i < PAGES; i++) {
    if (untouched(i)) {
      frames.push(-1);
      continue;
    }
    const va = a + i * PAGE;
    if (readOnly(i)) expect(k.read(p, t, va)).toEqual({ value: 0 });
    else expect(k.write(p, t, va, i)).toEqual({ ok: true });
    frames.push(p.vmspace.pmap.extract(va));
  }
  return { k, p, t, a, frames };
}

describe('pmap range walks (pmap_remove, pmap_protect)', () => {
  describe('when a range crossing leaves and holes is write-protected', () => {
    it('should make exactly its present PTEs read-only and move their dirty bits to the pages', async () => {
      const { k, p, a, frames } = await setup();
      const from = 300;
      const to = 1700;
      // The zero-filled pages written were dirtied by the fault already; clear that to see the PTE's bit arrive.
      for (const f of frames) if (f >= 0) k.mem.flags[f] = (k.mem.flags[f] as number) & ~PG_DIRTY;
      p.vmspace.pmap.protect(a + from * PAGE, a + to * PAGE, VM_PROT_READ);
      for (let i = 0; i < PAGES; i++) {
        const pte = p.vmspace.pmap.pte(a + i * PAGE);
        if (untouched(i)) {
          expect(pte, `page ${i}`).toBeUndefined();
          continue;
        }
        expect(pte?.present, `page ${i}`).toBe(true);
        const inRange = i >= from && i < to;
        // A zero-filled page is mapped with the entry's rights, read fault or not.
        expect(pte?.writable, `page ${i}`).toBe(!inRange);
        const dirty = ((k.mem.flags[frames[i]!] as number) & PG_DIRTY) !== 0;
        expect(dirty, `page ${i}`).toBe(inRange && !readOnly(i));
      }
    });
  });

  describe('when a range crossing leaves and holes is removed', () => {
    it('should drop exactly its PTEs and pv entries, and hand the referenced and dirty bits to the pages', async () => {
      const { k, p, a, frames } = await setup();
      const from = 100;
      const to = 1900;
      const before = p.vmspace.pmap.residentCount;
      for (const f of frames) if (f >= 0) k.mem.flags[f] = (k.mem.flags[f] as number) & ~(PG_DIRTY | PG_REFERENCED);
      p.vmspace.pmap.remove(a + from * PAGE, a + to * PAGE);
      let removed = 0;
      for (let i = 0; i < PAGES; i++) {
        const va = a + i * PAGE;
        if (untouched(i)) {
          expect(p.vmspace.pmap.extract(va), `page ${i}`).toBe(-1);
          continue;
        }
        const f = frames[i]!;
        const inRange = i >= from && i < to;
        if (inRange) removed++;
        expect(p.vmspace.pmap.extract(va), `page ${i}`).toBe(inRange ? -1 : f);
        expect(k.pv.first(f) !== -1, `page ${i}`).toBe(!inRange);
        const flags = k.mem.flags[f] as number;
        expect((flags & PG_REFERENCED) !== 0, `page ${i}`).toBe(inRange);
        expect((flags & PG_DIRTY) !== 0, `page ${i}`).toBe(inRange && !readOnly(i));
      }
      expect(p.vmspace.pmap.residentCount).toBe(before - removed);
    });
  });
});
