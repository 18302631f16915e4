import { PAGE_SIZE } from '../abi/constants.ts';
import type { Outcome } from '../abi/outcome.ts';
import { mapObjects } from '../map/mapObjects.ts';
import { PQ_ACTIVE, PQ_INACTIVE, PQ_LAUNDRY } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Process } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { PageDaemon, PageoutRequest, VmContext } from '../vm/VmContext.ts';
import { pageoutPage } from './pageoutPage.ts';

/** The free target the daemon works toward (vm_pageout_init's free target): 1/16 of memory, at least 4 pages. */
export function freeTarget(ctx: VmContext): number {
  return Math.max(4, Math.floor(ctx.mem.npages / 16));
}

/**
 * A simple LRU daemon (FreeBSD vm_pageout scans, without laundering threads): inactive
 * pages first, then active ones, oldest first. Each page goes through pageoutPage:
 * write-protected and written if dirty, and unmapped and freed only once it is clean.
 */
export class SimplePageDaemon implements PageDaemon {
  *pageout(ctx: VmContext, a: PageoutRequest): KGen<Outcome> {
    if (a.p !== undefined && a.start !== undefined) return { ok: true, pages: this.range(ctx, a.p, a.start, a.len ?? 0) };
    const want = a.pages ?? Math.max(0, freeTarget(ctx) - ctx.mem.freeCount);
    return { ok: true, pages: this.scan(ctx, want, a.p) };
  }

  reclaim(ctx: VmContext): boolean {
    return this.scan(ctx, freeTarget(ctx), undefined) > 0;
  }

  /** Pages out what a process maps in [start, start+len), entry by entry; the count freed. */
  private range(ctx: VmContext, p: Process, start: number, len: number): number {
    const vms = p.vmspace;
    const end = start + len;
    let n = 0;
    for (let e = vms.map.ceil(start); e !== null && e.start < end; e = e.next) {
      const s = Math.max(start - (start % PAGE_SIZE), e.start);
      const t = Math.min(end, e.end);
      const top = e.object;
      if (top !== null && top.backing === null && (t - s) / PAGE_SIZE > top.resident) {
        // No shadow chain: visit the object's resident pages in the range, not every index.
        const lo = e.offset + (s - e.start) / PAGE_SIZE;
        const hi = e.offset + Math.ceil((t - e.start) / PAGE_SIZE);
        const mem = ctx.mem;
        const frames: number[] = [];
        for (let f = top.memq; f !== -1; f = mem.listNextOf(f)) {
          const pi = mem.pindexOf(f);
          if (pi >= lo && pi < hi) frames.push(f);
        }
        frames.sort((x, y) => mem.pindexOf(x) - mem.pindexOf(y));
        for (const f of frames) if (pageoutPage(ctx, top, f)) n++;
        continue;
      }
      for (let va = s; va < t; va += PAGE_SIZE) {
        let o: VmObject | null = e.object;
        let pi = e.offset + (va - e.start) / PAGE_SIZE;
        while (o !== null) {
          const f = ctx.objects.lookupPage(o, pi);
          if (f !== -1) {
            if (pageoutPage(ctx, o, f)) n++;
            break;
          }
          pi += o.backingOffset;
          o = o.backing;
        }
      }
    }
    return n;
  }

  /** Frees up to `want` pages in LRU order (inactive, laundry, active). */
  scan(ctx: VmContext, want: number, only: Process | undefined): number {
    const mem = ctx.mem;
    let n = 0;
    const objs = only !== undefined ? new Set(mapObjects(only.vmspace).map((o) => o.id)) : undefined;
    for (const q of [PQ_INACTIVE, PQ_LAUNDRY, PQ_ACTIVE]) {
      for (let f = mem.queueHead(q); f !== -1 && n < want; ) {
        const next = mem.queueNext(f);
        const o = ctx.objects.live.get(mem.objectOf(f));
        if (o !== undefined && (objs === undefined || objs.has(o.id)) && pageoutPage(ctx, o, f)) n++;
        f = next;
      }
    }
    return n;
  }
}
