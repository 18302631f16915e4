import { ContainerModule } from 'inversify';
import { PAGE_SIZE } from '../abi/constants.ts';
import type { Outcome } from '../abi/outcome.ts';
import { PQ_ACTIVE, PQ_INACTIVE, PQ_LAUNDRY } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Process } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/** The page daemon: reclaims pages for `pageout` and when allocation runs dry. */
export const PageDaemon = Symbol('PageDaemon');
export interface PageDaemon {
  /** `pageout`: a range of a process, N pages in LRU order, or down to the free target. */
  pageout(k: Kernel, a: { p?: Process; start?: number; len?: number; pages?: number }): KGen<Outcome>;
  /** Frees pages when an allocation found none; true if it freed any. */
  reclaim(k: Kernel): boolean;
}

/** The free target the daemon works toward: 1/16 of memory, at least 4 pages. */
export function freeTarget(k: Kernel): number {
  return Math.max(4, Math.floor(k.mem.npages / 16));
}

/**
 * A simple LRU daemon (FreeBSD vm_pageout scans, without laundering threads): inactive
 * pages first, then active ones, oldest first. Each page goes through Kernel.pageoutPage:
 * write-protected and written if dirty, and unmapped and freed only once it is clean.
 */
export class SimplePageDaemon implements PageDaemon {
  *pageout(k: Kernel, a: { p?: Process; start?: number; len?: number; pages?: number }): KGen<Outcome> {
    if (a.p !== undefined && a.start !== undefined) {
      const vms = a.p.vmspace;
      const end = a.start + (a.len ?? 0);
      let n = 0;
      for (let i = vms.map.lowerBound(a.start); i < vms.map.entries.length && vms.map.entries[i]!.start < end; i++) {
        const e = vms.map.entries[i]!;
        const s = Math.max(a.start - (a.start % PAGE_SIZE), e.start);
        const t = Math.min(end, e.end);
        const top = e.object;
        if (top !== null && top.backing === null && (t - s) / PAGE_SIZE > top.resident) {
          // No shadow chain: visit the object's resident pages in the range, not every index.
          const lo = e.offset + (s - e.start) / PAGE_SIZE;
          const hi = e.offset + Math.ceil((t - e.start) / PAGE_SIZE);
          const mem = k.mem;
          const frames: number[] = [];
          for (let f = top.memq; f !== -1; f = mem.listNext[f] as number) {
            const pi = mem.pindex[f] as number;
            if (pi >= lo && pi < hi) frames.push(f);
          }
          frames.sort((x, y) => (mem.pindex[x] as number) - (mem.pindex[y] as number));
          for (const f of frames) if (k.pageoutPage(top, f)) n++;
          continue;
        }
        for (let va = s; va < t; va += PAGE_SIZE) {
          let o: VmObject | null = e.object;
          let pi = e.offset + (va - e.start) / PAGE_SIZE;
          while (o !== null) {
            const f = k.objects.lookupPage(o, pi);
            if (f !== -1) {
              if (k.pageoutPage(o, f)) n++;
              break;
            }
            pi += o.backingOffset;
            o = o.backing;
          }
        }
      }
      return { ok: true, pages: n };
    }
    const want = a.pages ?? Math.max(0, freeTarget(k) - k.mem.freeCount);
    return { ok: true, pages: this.scan(k, want, a.p) };
  }

  reclaim(k: Kernel): boolean {
    return this.scan(k, freeTarget(k), undefined) > 0;
  }

  /** Frees up to `want` pages in LRU order (inactive, laundry, active). */
  scan(k: Kernel, want: number, only: Process | undefined): number {
    const mem = k.mem;
    let n = 0;
    const objs = only !== undefined ? new Set(k.mapObjects(only.vmspace).map((o) => o.id)) : undefined;
    for (const q of [PQ_INACTIVE, PQ_LAUNDRY, PQ_ACTIVE]) {
      for (let f = mem.queueHead(q); f !== -1 && n < want; ) {
        const next = mem.queueNext(f);
        const o = k.objects.live.get(mem.object[f] as number);
        if (o !== undefined && (objs === undefined || objs.has(o.id)) && k.pageoutPage(o, f)) n++;
        f = next;
      }
    }
    return n;
  }

}

export const simplePageDaemonModule = new ContainerModule(({ bind }) => {
  bind<PageDaemon>(PageDaemon).toConstantValue(new SimplePageDaemon());
});
