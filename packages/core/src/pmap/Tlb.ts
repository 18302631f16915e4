import { ContainerModule } from 'inversify';
import { PAGE_SIZE } from '../abi/constants.ts';
import type { Invariant, Violation } from '../invariants/Invariant.ts';
import type { Machine } from '../machine/Machine.ts';
import { EventSubscriber } from '../events/EventSubscriber.ts';
import type { PmapContext } from './PmapContext.ts';
import { PmapContextToken } from './PmapContextToken.ts';

/** The TLB model itself is pmap/TlbModel.ts (the PmapContext owns one); this file is its policy and invariant. */
export { TLB_FRAME_MUL, TlbModel } from './TlbModel.ts';

/** `tlb.shootdown: deferred`: queue remote invalidations; complete them at each CPU's context switch. */
export const tlbDeferredModule = new ContainerModule(({ bind }) => {
  bind<EventSubscriber>(EventSubscriber).toDynamicValue((c) => {
    const ctx = c.get<PmapContext>(PmapContextToken);
    return {
      name: 'tlb-deferred',
      subscribe(bus) {
        const tlb = ctx.tlb;
        if (tlb === null) return;
        tlb.deferred = true;
        bus.on('context_switch', 'tlb-deferred', (e) => {
          if (e.cpu >= 0 && e.cpu < tlb.cpus) tlb.completePending(e.cpu);
        });
      },
    };
  });
});

/**
 * `stale_tlb`: every cached translation matches its page table (same frame, no more
 * rights), except one whose invalidation is queued on that CPU (deferred shootdown, or a
 * flush Linux defers past the page-table lock: Pmap.removeDeferred) and whose frame has
 * not been reused since.
 */
export const staleTlb: Invariant = {
  name: 'stale_tlb',
  description: 'no TLB holds a translation its page tables dropped, past the point the shootdown policy allows',
  check(m: Machine, out: Violation[]): void {
    const ctx = m.container.get<PmapContext>(PmapContextToken);
    const tlb = ctx.tlb;
    if (tlb === null) return;
    tlb.forEach((cpu, pid, vpn, frame, bits, gen) => {
      const p = ctx.pmaps[pid];
      const va = vpn * PAGE_SIZE;
      let ok = false;
      if (p !== undefined && p.extract(va) === frame) {
        const info = p.pte(va);
        ok = info !== undefined && (!(bits & 4) || info.writable) && (!(bits & 8) || info.executable);
      }
      if (ok) return;
      // A queued invalidation: deferred shootdown, or a flush Linux defers past the page-table
      // lock (pmap removeDeferred); it is allowed until the frame is reused.
      const allowed = tlb.isPending(cpu, pid, vpn) && tlb.generation(frame) === gen;
      if (!allowed) {
        out.push({
          invariant: 'stale_tlb',
          message: `cpu ${cpu} caches pmap ${pid} va 0x${va.toString(16)} → frame ${frame}, which its page table no longer has${tlb.deferred || tlb.isPending(cpu, pid, vpn) ? (tlb.generation(frame) !== gen ? ' (frame reused)' : ' (no queued invalidation)') : ''}`,
        });
      }
    });
  },
};
