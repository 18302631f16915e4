import { type EventBus, type EventSubscriber, Kernel, MapDeletePolicy, type Pmap } from '@vmlab/core';
import { inject, injectable } from 'inversify';
import { Arm64Pmap, ENTRY_BTI } from './Arm64Pmap.ts';
import type { GuardRangeset } from './GuardRangeset.ts';

/**
 * Keeps each pmap's guarded ranges in step with the MI lifecycle (T2.5), from bus events
 * only: `map_delete` drops (unless map_delete.skips=freebsd finds the pmap empty), `fork`
 * copies, `exec` / `teardown` clear, `pmap_destroy` frees. Physical removals (swapout,
 * msync invalidate, mprotect, revoke) never reach it. Under `abi: linux` the ranges mirror
 * the entries' PROT_BTI (`mmap`, `protect`).
 */
@injectable()
export class BtiGuardSubscriber implements EventSubscriber {
  readonly name = 'arm64-bti';
  constructor(
    @inject(MapDeletePolicy) private readonly mapDelete: MapDeletePolicy,
    @inject(Kernel) private readonly k: Kernel,
  ) {}

  subscribe(bus: EventBus): void {
    const counters = this.k.counters;
    bus.on('map_delete', this.name, (e) => {
      const b = btiOf(e.pmap);
      if (b === null) return;
      if (this.mapDelete.pmapEarlyReturn && e.pmap.residentCount === 0) return;
      if (b.remove(e.start, e.end)) counters.add('bti.drops');
    });
    bus.on('fork', this.name, (e) => {
      const from = btiOf(e.pmap);
      const to = btiOf(e.childPmap);
      if (from === null || to === null) return;
      to.copyFrom(from);
      counters.add('bti.copies');
    });
    const clear = (p: Pmap) => {
      const b = btiOf(p);
      if (b !== null && b.size > 0) {
        b.clear();
        counters.add('bti.clears');
      }
    };
    bus.on('exec', this.name, (e) => clear(e.pmap));
    bus.on('teardown', this.name, (e) => clear(e.pmap));
    bus.on('pmap_destroy', this.name, (e) => {
      if (e.pmap instanceof Arm64Pmap) e.pmap.bti = null;
    });
    if (this.k.abi === 'linux') {
      bus.on('mmap', this.name, (e) => {
        const b = btiOf(e.pmap);
        if (b !== null && (e.mdFlags & ENTRY_BTI) !== 0) b.add(e.start, e.end);
      });
      bus.on('protect', this.name, (e) => {
        const pmap = e.pmap;
        if (!(pmap instanceof Arm64Pmap) || pmap.bti === null) return;
        const p = this.k.proc(e.pid);
        if (p === undefined) return;
        for (const en of p.vmspace.map.entries) {
          if (en.end <= e.start || en.start >= e.end) continue;
          const s = Math.max(en.start, e.start);
          const t = Math.min(en.end, e.end);
          if ((en.mdFlags & ENTRY_BTI) !== 0) pmap.bti.add(s, t);
          else pmap.bti.remove(s, t);
        }
        pmap.syncGuardBits(e.start, e.end);
      });
    }
  }
}

function btiOf(p: Pmap): GuardRangeset | null {
  return p instanceof Arm64Pmap ? p.bti : null;
}
