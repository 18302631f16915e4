import type { VmContext } from '../vm/VmContext.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmMapEntry } from './VmMapEntry.ts';

/**
 * vm_map_mergeable_neighbors (FreeBSD sys/vm/vm_map.c): prev and e can be one entry when
 * they touch, map the same object (or none) at contiguous offsets, and agree on every
 * attribute: entry flags, protection, max protection, inheritance, wiring, sharing, the
 * file, revocation, and the MD bits kept on the entry; the pmap may refuse for metadata it
 * keeps for the ranges (Pmap.entriesMergeable).
 */
export function vmMapMergeable(vms: Vmspace, prev: VmMapEntry, e: VmMapEntry): boolean {
  if (
    prev.end !== e.start ||
    prev.object !== e.object ||
    (prev.object !== null && prev.offset + prev.pages !== e.offset) ||
    prev.eflags !== e.eflags ||
    prev.prot !== e.prot ||
    prev.maxprot !== e.maxprot ||
    prev.inherit !== e.inherit ||
    prev.wiredCount !== e.wiredCount ||
    prev.shared !== e.shared ||
    prev.file !== e.file ||
    prev.revoked !== e.revoked ||
    prev.mdFlags !== e.mdFlags
  ) {
    return false;
  }
  const pmap = vms.pmap;
  return pmap.entriesMergeable === undefined || pmap.entriesMergeable(prev.start, e.start, e.end);
}

/**
 * vm_map_try_merge_entries, over the entries that [start, end) covers and the neighbours on
 * both sides, as FreeBSD calls it after changing each entry of a range (vm_map_protect,
 * vm_map_inherit, vm_map_wire, vm_map_unwire) and once more for the entry after the range.
 * The earlier entry is unlinked, the later one grows down over it (start and offset), and
 * the earlier one's object reference is dropped (vm_map_merged_neighbor_dispose).
 */
export function vmMapSimplifyRange(ctx: VmContext, vms: Vmspace, start: number, end: number): void {
  const map = vms.map;
  let e = map.ceil(start);
  if (e !== null && e.prev === null) e = e.next;
  while (e !== null && e.start <= end) {
    const prev = e.prev!;
    if (vmMapMergeable(vms, prev, e)) {
      map.unlink(prev);
      map.setStart(e, prev.start);
      e.offset = prev.offset;
      map.timestamp++;
      ctx.objects.deallocate(prev.object);
    }
    // Next the pair (e, its successor): e may grow again.
    e = e.next;
  }
}

/**
 * vm_map_insert's tail: links the new entry, first trying to extend the previous anonymous
 * entry over it (vm_object_coalesce extends its object when nothing else can see the new
 * range), then merges it with both neighbours (vm_map_try_merge_entries).
 */
export function vmMapInsert(ctx: VmContext, vms: Vmspace, e: VmMapEntry): void {
  const map = vms.map;
  const next = map.ceil(e.start);
  const prev = (next === null ? map.last : next.prev) ?? undefined;
  // Only a private anonymous mapping (no object yet) coalesces with its predecessor.
  if (
    prev !== undefined &&
    e.object === null &&
    e.file === null &&
    !e.shared &&
    prev.end === e.start &&
    !prev.shared &&
    prev.file === null &&
    !prev.revoked &&
    prev.mdFlags === e.mdFlags &&
    objectCoalesce(ctx, prev, e.pages)
  ) {
    if (prev.inherit === e.inherit && prev.prot === e.prot && prev.maxprot === e.maxprot && prev.wiredCount === 0 && prev.eflags === e.eflags) {
      prev.end = e.end;
      map.timestamp++;
      vmMapSimplifyRange(ctx, vms, prev.end, prev.end);
      return;
    }
    // The object grew but the entry cannot: the new entry maps the object's next pages.
    if (prev.object !== null) {
      e.object = prev.object;
      e.offset = prev.offset + prev.pages;
      ctx.objects.reference(prev.object);
    }
  }
  map.insert(e);
  vmMapSimplifyRange(ctx, vms, e.start, e.end);
}

/**
 * vm_object_coalesce: whether prev's object (none counts as yes) can grow by `pages` after
 * the range prev maps: an anonymous object, collapsed first, shadowing nothing, and either
 * referenced once, or ONEMAPPING, or ending where prev ends. Pages and swap left in the new
 * range by an earlier unmap are freed, and the object grows to cover it.
 */
function objectCoalesce(ctx: VmContext, prev: VmMapEntry, pages: number): boolean {
  const o = prev.object;
  if (o === null) return true;
  if (!o.isAnon) return false;
  ctx.objects.collapse(o);
  if (o.backing !== null) return false;
  const next = prev.offset + prev.pages;
  if (o.refCount > 1 && o.size !== next && !o.oneMapping) return false;
  if (next < o.size) {
    ctx.objects.pageRemove(o, next, next + pages, false);
    o.pager.freeRange?.(o, next, next + pages);
  }
  if (next + pages > o.size) o.size = next + pages;
  return true;
}
