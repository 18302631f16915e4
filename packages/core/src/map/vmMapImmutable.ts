import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmContext } from '../vm/VmContext.ts';
import type { VmMap } from './VmMap.ts';
import { MAP_ENTRY_IMMUTABLE } from './VmMapEntry.ts';
import { clipRangeEntry } from './vmMapOps.ts';

/**
 * Whether any entry of [start, end) is immutable (OpenBSD's checkimmutable pass in
 * uvm_unmap_remove and uvm_map_protect; Linux's can_modify_mm in mm/mseal.c). Holes are
 * free space and do not count. Callers check the whole range before changing any of it, so
 * a refused request changes nothing.
 */
export function vmMapRangeImmutable(map: VmMap, start: number, end: number): boolean {
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    if ((e.eflags & MAP_ENTRY_IMMUTABLE) !== 0) return true;
  }
  return false;
}

/**
 * uvm_map_immutable (OpenBSD sys/uvm/uvm_map.c) and mseal_apply (Linux mm/mseal.c): marks
 * the entries of [start, end) immutable, clipping at the bounds. Holes are skipped; whether
 * a hole is an error is the system call's to decide (Linux refuses it with ENOMEM first).
 */
export function vmMapSetImmutable(ctx: VmContext, vms: Vmspace, start: number, end: number): void {
  if (start >= end) return;
  const map = vms.map;
  for (let e = clipRangeEntry(ctx, vms, start, end); e !== null && e.start < end; e = e.next) {
    e.eflags |= MAP_ENTRY_IMMUTABLE;
  }
  map.timestamp++;
}
