import { PAGE_SIZE } from '../abi/constants.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { PG_BUSY, PQ_INACTIVE } from '../mem/PhysMem.ts';
import type { Process } from '../proc/Process.ts';
import type { Kernel } from './Kernel.ts';

/**
 * OpenBSD's MADV_FREE: uvm_map_clean(map, start, end, PGO_FREE) (sys/uvm/uvm_map.c). The
 * range must be mapped without holes (EFAULT) and hold no immutable entry with anonymous
 * memory (EPERM). The anonymous layer's pages are freed at once, not left for the page
 * daemon as FreeBSD's lazy MADV_FREE does: a page of an anonymous object with one mapping
 * (ONEMAPPING, no shadow: amap_refs == 1) loses its mappings and is freed with its swap copy, a wired page
 * stays; with more references the page is only deactivated. The file object under a
 * private mapping is left alone (no write permission on it); flushing a shared file
 * mapping's pages with PGO_FREE is not modelled.
 */
export function uvmMapCleanFree(k: Kernel, p: Process, start: number, end: number): Outcome {
  const vms = p.vmspace;
  const map = vms.map;
  if (!map.covered(start, end)) return errno('EFAULT');
  for (let i = map.lowerBound(start); i < map.entries.length && map.entries[i]!.start < end; i++) {
    const e = map.entries[i]!;
    if (e.immutable && e.object?.isAnon) return errno('EPERM');
  }
  const mem = k.mem;
  for (let i = map.lowerBound(start); i < map.entries.length && map.entries[i]!.start < end; i++) {
    const e = map.entries[i]!;
    const o = e.object;
    if (o === null || !o.isAnon) continue;
    // amap_refs > 1: the object is shared (MAP_SHARED, or both sides of a fork) or shadowed.
    const shared = !o.oneMapping || o.shadows.size > 0;
    const lo = e.offset + (Math.max(start, e.start) - e.start) / PAGE_SIZE;
    const hi = e.offset + (Math.min(end, e.end) - e.start) / PAGE_SIZE;
    const frames: number[] = [];
    for (let f = o.memq; f !== -1; f = mem.listNext[f] as number) {
      const pi = mem.pindex[f] as number;
      if (pi >= lo && pi < hi) frames.push(f);
    }
    for (const f of frames) {
      if ((mem.wireCount[f] as number) > 0 || ((mem.flags[f] as number) & PG_BUSY) !== 0) continue;
      if (shared) {
        mem.enqueue(f, PQ_INACTIVE);
        continue;
      }
      k.pages.removeAll(f);
      k.objects.freePage(o, f);
    }
    if (!shared) o.pager.freeRange?.(o, lo, hi);
  }
  return OK;
}
