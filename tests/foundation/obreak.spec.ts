import { composeMachine, defaultMachine, runSerial } from '@vmlab/core';
import type { Kernel, Process } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

const BASE = 0x4035000;
const PAGE = 4096;

async function setup(): Promise<{ k: Kernel; p: Process }> {
  const m = await composeMachine({ ...defaultMachine('amd64', 'amd64'), abi: 'linux' }, defaultCatalog());
  const k = m.kernel;
  expect(k.spawn(1, false)).toEqual({ ok: true });
  return { k, p: k.proc(1)! };
}

const t0 = (p: Process) => p.thread(0)!;
const heapEntries = (p: Process) => p.vmspace.map.entries.filter((e) => e.start >= BASE && e.start < BASE + (1 << 24));

describe('obreak (kern_break)', () => {
  describe('when the break grows and shrinks', () => {
    it('should grow one heap entry in place, and delete the pages above a lower break', async () => {
      const { k, p } = await setup();
      expect(k.obreak(p, BASE)).toEqual({ ok: true, addr: BASE });
      expect(heapEntries(p)).toHaveLength(0);
      expect(k.obreak(p, BASE + 0x21000)).toEqual({ ok: true, addr: BASE + 0x21000 });
      expect(k.write(p, t0(p), BASE + 0x20000, 7)).toEqual({ ok: true });
      expect(k.obreak(p, BASE + 0x42001)).toEqual({ ok: true, addr: BASE + 0x42001 });
      expect(heapEntries(p).map((e) => [e.start, e.end])).toEqual([[BASE, BASE + 0x43000]]);
      expect(k.read(p, t0(p), BASE + 0x20000)).toEqual({ value: 7 });
      expect(k.write(p, t0(p), BASE + 0x42000, 9)).toEqual({ ok: true });
      expect(k.obreak(p, BASE + 0x10000)).toEqual({ ok: true, addr: BASE + 0x10000 });
      expect(heapEntries(p).map((e) => [e.start, e.end])).toEqual([[BASE, BASE + 0x10000]]);
      expect(k.read(p, t0(p), BASE + 0x20000)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
      // grown again, the pages above the old break read zero
      k.obreak(p, BASE + 0x21000);
      expect(heapEntries(p)).toHaveLength(1);
      expect(k.read(p, t0(p), BASE + 0x20000)).toEqual({ value: 0 });
    });
  });

  describe('when the heap was copied at fork', () => {
    it('should give the grown pages a new entry in parent and child (the copy is still pending), and keep the data', async () => {
      const { k, p } = await setup();
      k.obreak(p, BASE);
      k.obreak(p, BASE + 4 * PAGE);
      k.write(p, t0(p), BASE, 0x11);
      expect(runSerial(k.fork(p, t0(p), 2))).toEqual({ ok: true });
      const c = k.proc(2)!;
      expect(k.obreak(c, BASE + 8 * PAGE)).toEqual({ ok: true, addr: BASE + 8 * PAGE });
      expect(heapEntries(c).map((e) => [e.start, e.end])).toEqual([
        [BASE, BASE + 4 * PAGE],
        [BASE + 4 * PAGE, BASE + 8 * PAGE],
      ]);
      expect(k.read(c, t0(c), BASE)).toEqual({ value: 0x11 });
      // the parent's break did not move
      expect(heapEntries(p).map((e) => [e.start, e.end])).toEqual([[BASE, BASE + 4 * PAGE]]);
    });
  });

  describe('when the new pages are taken', () => {
    it('should refuse with ENOMEM, and refuse a break below the heap with EINVAL', async () => {
      const { k, p } = await setup();
      k.obreak(p, BASE);
      expect(k.mmap(p, { addr: BASE + 2 * PAGE, len: PAGE, prot: 3, protExtra: '', flags: ['private', 'anon', 'fixed'] })).toMatchObject({ ok: true });
      expect(k.obreak(p, BASE + 4 * PAGE)).toEqual({ errno: 'ENOMEM' });
      expect(k.obreak(p, BASE - PAGE)).toEqual({ errno: 'EINVAL' });
    });
  });
});

describe('obreak after execve', () => {
  it('should start a new heap where the new image says, in a reused address space too', async () => {
    const { k, p } = await setup();
    k.obreak(p, BASE);
    k.obreak(p, BASE + 4 * PAGE);
    expect(k.execve(p, t0(p))).toEqual({ ok: true });
    expect(k.obreak(p, 0x11e1b000)).toEqual({ ok: true, addr: 0x11e1b000 });
    expect(k.obreak(p, 0x11e1b000 + PAGE)).toEqual({ ok: true, addr: 0x11e1b000 + PAGE });
    expect(p.vmspace.map.entries.map((e) => [e.start, e.end])).toEqual([[0x11e1b000, 0x11e1b000 + PAGE]]);
  });
});
