import { composeMachine, defaultMachine, type Machine, type PmapContext, PmapContextToken, staleTlb, type Violation } from '@vmlab/core';
import { defaultCatalog } from '@vmlab/lab';
import { describe, expect, it } from 'vitest';

async function machine(shootdown: string): Promise<Machine> {
  const spec = { ...defaultMachine('amd64'), policies: { 'tlb.shootdown': shootdown } };
  return composeMachine(spec, defaultCatalog());
}

function stale(m: Machine): Violation[] {
  const out: Violation[] = [];
  staleTlb.check(m, out);
  return out;
}

/** A two-thread process (CPUs 0 and 1) whose thread 1 has a page of `a` in its TLB. */
function setup(m: Machine) {
  const k = m.kernel;
  k.spawn(1, false, 0);
  const p = k.proc(1)!;
  k.thread(p, 1, p.thread(0)!, 1);
  const r = k.mmap(p, { addr: undefined, len: 4096, prot: 3, protExtra: '', flags: ['private', 'anon'] } as never) as { addr: number };
  k.write(p, p.thread(0)!, r.addr, 7);
  expect(k.read(p, p.thread(1)!, r.addr)).toEqual({ value: 7 });
  return { k, p, a: r.addr, ctx: m.container.get<PmapContext>(PmapContextToken) };
}

describe('TLB model and stale_tlb', () => {
  it('immediate: munmap leaves no stale entry; a dropped invalidation is a violation', async () => {
    const m = await machine('immediate');
    const { k, p, a, ctx } = setup(m);
    expect(k.munmap(p, a, 4096)).toEqual({ ok: true });
    expect(stale(m)).toEqual([]);
    // An entry the page table does not have (as if an invalidation had been lost).
    ctx.tlb!.fill(1, p.vmspace.pmap.id, a / 4096, 3, 0x3);
    expect(stale(m).map((v) => v.invariant)).toEqual(['stale_tlb']);
  });

  it('deferred: a queued invalidation is allowed until the frame is reused, which flushes it', async () => {
    const m = await machine('deferred');
    const { k, p, a, ctx } = setup(m);
    const frame = p.vmspace.pmap.extract(a);
    expect(k.munmap(p, a, 4096)).toEqual({ ok: true });
    expect(stale(m)).toEqual([]);
    expect(ctx.tlb!.lookup(1, p.vmspace.pmap.id, a / 4096)).toBeGreaterThanOrEqual(0);
    // The next anonymous page takes the freed frame (LIFO): the stale entry must go first.
    const r = k.mmap(p, { addr: undefined, len: 4096, prot: 3, protExtra: '', flags: ['private', 'anon'] } as never) as { addr: number };
    k.write(p, p.thread(0)!, r.addr, 9);
    expect(p.vmspace.pmap.extract(r.addr)).toBe(frame);
    expect(ctx.tlb!.lookup(1, p.vmspace.pmap.id, a / 4096)).toBe(-1);
    expect(stale(m)).toEqual([]);
    // The new mapping took the same address: thread 1 sees the new page, not the old frame's life.
    expect(r.addr).toBe(a);
    expect(k.read(p, p.thread(1)!, a)).toEqual({ value: 9 });
    expect(m.counters.get('tlb.reuse_flush')).toBe(1);
  });
});
