import { PAGE_SIZE } from '../abi/constants.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { KernResult, vmMapSync } from '../map/vmMapOps.ts';
import { lockOwner } from '../map/vmMapLock.ts';
import type { VmMap } from '../map/VmMap.ts';
import { PG_BUSY, PQ_INACTIVE } from '../mem/PhysMem.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';
import type { Kernel } from './Kernel.ts';

/**
 * msync under UVM (abi openbsd): uvm_map_clean(map, start, end, PGO_CLEANIT|...) (OpenBSD
 * and NetBSD sys/uvm/uvm_map.c). It looks the range up under the map read lock; the flush
 * of each entry's object (uvn_flush with PGO_SYNCIO) sleeps on every busy page in the
 * range (a fault's page under I/O) and scans again, then writes the dirty pages back and,
 * for MS_INVALIDATE, frees the clean ones (vm_map_sync's work, map/vmMapOps.ts).
 *
 * What is held while it sleeps is `map_clean.lock` (policy/MapCleanPolicy.ts): `busy`
 * trades the read lock for the map's busy mark (vm_map_busy / vm_map_unbusy, the fix of
 * NetBSD PR kern/56952); `read_locked` keeps the read lock across the flush, and deadlocks
 * with a fault waiting to relock the map behind a queued writer.
 */
export function* uvmMapCleanSync(ctx: VmContext, p: Process, t: Thread | undefined, start: number, end: number, invalidate: boolean): KGen<KernResult> {
  const vms = p.vmspace;
  const map = vms.map;
  const lock = map.lock;
  const owner = lockOwner(p.pid, t?.tid ?? 0);
  yield* lock.lockShared();
  if (!map.covered(start, end)) {
    lock.unlockShared();
    return KernResult.InvalidAddress;
  }
  const readLocked = ctx.mapCleanPolicy.holdsReadLock;
  if (!readLocked) {
    lock.markBusy(owner);
    lock.unlockShared();
  }
  try {
    for (let f = busyPageIn(ctx, map, start, end); f !== -1; f = busyPageIn(ctx, map, start, end)) {
      const busy = f;
      const owned = ctx.mem.objectOf(f);
      yield {
        reason: 'uvn_flush: page busy',
        until: () => ((ctx.mem.flags[busy] as number) & PG_BUSY) === 0 || ctx.mem.objectOf(busy) !== owned,
        on: ctx.objects.busyPage(busy),
      };
    }
    return vmMapSync(ctx, vms, start, end, invalidate);
  } finally {
    if (readLocked) lock.unlockShared();
    else lock.unbusy();
  }
}

/** The first busy page of a file object in [start, end) of the map, or -1. */
function busyPageIn(ctx: VmContext, map: VmMap, start: number, end: number): number {
  const mem = ctx.mem;
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    const o = e.object;
    if (o === null || o.type !== 'vnode') continue;
    const lo = e.offset + (Math.max(start, e.start) - e.start) / PAGE_SIZE;
    const hi = e.offset + (Math.min(end, e.end) - e.start) / PAGE_SIZE;
    for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
      const pi = mem.pindexOf(f);
      if (pi >= lo && pi < hi && ((mem.flags[f] as number) & PG_BUSY) !== 0) return f;
    }
  }
  return -1;
}

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
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    if (e.immutable && e.object?.isAnon) return errno('EPERM');
  }
  const mem = k.mem;
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    const o = e.object;
    if (o === null || !o.isAnon) continue;
    // amap_refs > 1: the object is shared (MAP_SHARED, or both sides of a fork) or shadowed.
    const shared = !o.oneMapping || o.shadows.size > 0;
    const lo = e.offset + (Math.max(start, e.start) - e.start) / PAGE_SIZE;
    const hi = e.offset + (Math.min(end, e.end) - e.start) / PAGE_SIZE;
    const frames: number[] = [];
    for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
      const pi = mem.pindexOf(f);
      if (pi >= lo && pi < hi) frames.push(f);
    }
    for (const f of frames) {
      if (mem.wireCountOf(f) > 0 || ((mem.flags[f] as number) & PG_BUSY) !== 0) continue;
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
