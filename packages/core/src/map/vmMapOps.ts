import { Access, type Inherit, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { FAULT_WIRE, FaultResult, vmFault } from '../fault/vmFault.ts';
import { vmFaultCopyEntryUpgrade } from '../fault/vmFaultCopyEntry.ts';
import type { RemoveReason } from '../events/kinds.ts';
import { PG_BUSY, PG_DIRTY, PG_RELEASED, PG_SWAPINPROG } from '../mem/PhysMem.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import { type KGen, settle } from '../sched/KGen.ts';
import { pmapRemove } from '../pmap/pmapCalls.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { MAP_ENTRY_COW, MAP_ENTRY_LOCK_ONFAULT, MAP_ENTRY_USER_WIRED, type VmMapEntry } from './VmMapEntry.ts';
import { vmMapSimplifyRange } from './vmMapMerge.ts';
import { emitMapDelete, emitPageout, emitWire } from '../events/emit.ts';

/** KERN_* results of the map layer, turned into errnos by the system-call layer. */
export enum KernResult {
  Success = 0,
  InvalidAddress = 1,
  ProtectionFailure = 2,
  InvalidArgument = 3,
  NoSpace = 4,
  Failure = 5,
}

/** Backs an object-less anonymous entry with a new object (vm_map_entry_back). */
export function entryBack(ctx: VmContext, e: VmMapEntry): void {
  if (e.object === null && e.file === null) {
    e.object = ctx.objects.allocate('anon', e.pages, ctx.anonPager);
    e.offset = 0;
  }
}

/**
 * vm_map_clip_start / vm_map_clip_end: splits entry e so that an entry starts (or ends) at
 * addr; e keeps the part from addr and a new entry before it takes the rest. Both halves
 * reference the same object (backed first if the entry had none), so a clipped anonymous
 * entry yields two entries on one ONEMAPPING object.
 */
export function clipEntry(ctx: VmContext, vms: Vmspace, e: VmMapEntry, addr: number): VmMapEntry | null {
  const map = vms.map;
  if (addr <= e.start || addr >= e.end) return null;
  entryBack(ctx, e);
  const front = e.clone();
  front.end = addr;
  e.offset += (addr - e.start) / PAGE_SIZE;
  map.setStart(e, addr);
  if (e.object !== null) ctx.objects.reference(e.object);
  map.link(front);
  map.timestamp++;
  return front;
}

/** Clips entries so that [start, end) begins and ends on entry boundaries; the first entry in range (null if none). */
export function clipRangeEntry(ctx: VmContext, vms: Vmspace, start: number, end: number): VmMapEntry | null {
  const map = vms.map;
  let first = map.ceil(start);
  if (first === null) return null;
  // A clip keeps the entry as the part from addr on; the part before it is a new entry.
  if (first.start < start) clipEntry(ctx, vms, first, start);
  const last = map.entryAt(end);
  if (last !== undefined && last.start < end) {
    const front = clipEntry(ctx, vms, last, end);
    if (last === first) first = front;
  }
  return first;
}

/**
 * clipRangeEntry for readers of `map.entries` by position: the position of the first entry in
 * range (map.size if none).
 */
export function clipRange(ctx: VmContext, vms: Vmspace, start: number, end: number): number {
  const e = clipRangeEntry(ctx, vms, start, end);
  return e === null ? vms.map.size : vms.map.indexOf(e);
}

/**
 * vm_map_delete: logically unmaps [start, end). For each entry: unwire, then the
 * logical-unmap hook (pmap_map_delete: the `map_delete` event, then Pmap.remove) unless the
 * map_delete policy skips it, then unlink and drop the object reference. The event also
 * tells pagers whether the entry was its object's only mapping of the range
 * (vm_map_entry_delete's OBJ_ONEMAPPING test, taken before this entry's reference goes).
 */
export function vmMapDelete(ctx: VmContext, vms: Vmspace, start: number, end: number): void {
  const map = vms.map;
  const first = clipRangeEntry(ctx, vms, start, end);
  // The entries in range are deleted in address order and unlinked together at the end:
  // nothing here sleeps, so no other thread sees the map in between.
  const releases = ctx.faultPagerRelock.releasesBusy;
  for (let e = first; e !== null && e.start < end; e = e.next) {
    if (e.wiredCount > 0) entryUnwire(ctx, vms, e);
    // UVM (amap_wipeout -> uvm_anfree): a page a fault keeps busy for its page-in is marked
    // released before the range's swap goes, so the pager keeps its slot for the I/O.
    if (releases) releaseBusyPages(ctx, e, e.start, e.end);
    if (ctx.mapDeletePolicy.notifies(e)) {
      const o = e.object;
      emitMapDelete(ctx.bus, ctx.ownerOf(vms), vms.pmap, e.start, e.end, o, e.offset, o !== null && o.refCount !== 1 && o.oneMapping);
      pmapRemove(ctx.bus, vms.pmap, e.start, e.end, 'map_delete');
    }
    ctx.objects.deallocate(e.object);
  }
  map.removeFrom(first, end);
}

/**
 * Whether vm_map_delete of [start, end) would sleep in vm_object_page_remove: an entry that
 * is its object's only mapping of the range (ONEMAPPING, another reference held) has a page
 * there busy for I/O (a fault paging it in). Its pages and swap blocks go with the unmap, so
 * the unmap waits for the I/O to finish. Under `fault.pager_relock: relock_busy` (UVM) a
 * page busy for a page-in (releasable) is not waited for: vm_map_delete marks it released
 * (releaseBusyPages); any other busy page still is.
 */
export function vmMapDeleteMustWait(ctx: VmContext, vms: Vmspace, start: number, end: number): boolean {
  const map = vms.map;
  const mem = ctx.mem;
  const holders = ctx.faultPagerRelock.releasesBusy ? ctx.objects.busyHolders : null;
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    const o = e.object;
    if (o === null || o.refCount === 1 || !o.oneMapping || o.pip === 0) continue;
    const lo = e.offset + (Math.max(start, e.start) - e.start) / PAGE_SIZE;
    const hi = e.offset + (Math.min(end, e.end) - e.start) / PAGE_SIZE;
    for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
      const pi = mem.pindexOf(f);
      if (pi >= lo && pi < hi && ((mem.flags[f] as number) & PG_BUSY) !== 0 && (holders === null || !releasable(mem.flags[f] as number, f, holders)))
        return true;
    }
  }
  return false;
}

/**
 * A busy page whose holder frees it when it is released: the page a fault pages in (its
 * holder recorded) or a swap pager's read-ahead page (PG_SWAPINPROG).
 */
function releasable(flags: number, f: number, holders: ReadonlyMap<number, number>): boolean {
  return (flags & PG_SWAPINPROG) !== 0 || holders.has(f);
}

/**
 * UVM's removal of an anon whose page is busy (OpenBSD sys/uvm/uvm_anon.c uvm_anfree, from
 * uvm_amap.c amap_wipeout or amap_wiperange when an unmap drops the last reference): the
 * page is marked PG_RELEASED and left to the thread that holds it busy, which frees it and
 * its swap slot when its I/O is done (uvm_fault.c uvmfault_anonget, uvm_anon_release);
 * nothing sleeps. The pages are those of [start, end) of entry e busy for a page-in (the
 * fault's own page and the swap pager's read-ahead around it), in an object this entry is
 * the only mapping of (the pages the unmap takes with it). A released page stays busy, in
 * its object, on the resident index until its holder frees it.
 */
function releaseBusyPages(ctx: VmContext, e: VmMapEntry, start: number, end: number): void {
  const o = e.object;
  if (o === null || o.pip === 0 || !o.oneMapping) return;
  const mem = ctx.mem;
  const holders = ctx.objects.busyHolders;
  const lo = e.offset + (start - e.start) / PAGE_SIZE;
  const hi = e.offset + (end - e.start) / PAGE_SIZE;
  for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
    const fl = mem.flags[f] as number;
    if ((fl & PG_BUSY) === 0 || !releasable(fl, f, holders)) continue;
    const pi = mem.pindexOf(f);
    if (pi >= lo && pi < hi) mem.flags[f] = fl | PG_RELEASED;
  }
}

/** Unwires the pages of a wired entry (vm_fault_unwire). */
export function entryUnwire(ctx: VmContext, vms: Vmspace, e: VmMapEntry): void {
  const mem = ctx.mem;
  for (let va = e.start; va < e.end; va += PAGE_SIZE) {
    const f = vms.pmap.extract(va);
    if (f >= 0 && mem.wireCountOf(f) > 0) mem.setWireCount(f, mem.wireCountOf(f) - 1);
  }
  vms.pmap.unwire(e.start, e.end);
  e.wiredCount = 0;
  e.eflags &= ~(MAP_ENTRY_USER_WIRED | MAP_ENTRY_LOCK_ONFAULT);
}

/** vm_map_protect: sets the protection of [start, end); lowered rights reach the pmap. */
export function vmMapProtect(ctx: VmContext, vms: Vmspace, start: number, end: number, prot: number, mdFlags: ((e: VmMapEntry) => number) | null): KernResult {
  const map = vms.map;
  if (!map.covered(start, end)) return KernResult.InvalidAddress;
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    if ((prot & ~e.maxprot) !== 0) return KernResult.ProtectionFailure;
  }
  for (let e = clipRangeEntry(ctx, vms, start, end); e !== null && e.start < end; e = e.next) {
    const old = e.prot;
    e.prot = prot;
    if (mdFlags !== null) e.mdFlags = mdFlags(e);
    // A user-wired entry gaining write access copies its copy-on-write pages now.
    if ((e.eflags & MAP_ENTRY_USER_WIRED) !== 0 && (prot & VM_PROT_WRITE) !== 0 && (old & VM_PROT_WRITE) === 0) {
      vmFaultCopyEntryUpgrade(ctx, vms, e);
    }
    if ((old & ~prot) !== 0) {
      if ((prot & (VM_PROT_READ | VM_PROT_EXECUTE)) === 0) {
        pmapRemove(ctx.bus, vms.pmap, e.start, e.end, 'protect');
      } else {
        const mask = (e.eflags & MAP_ENTRY_COW) !== 0 ? ~VM_PROT_WRITE : 7;
        vms.pmap.protect(e.start, e.end, prot & mask);
      }
    }
  }
  map.timestamp++;
  vmMapSimplifyRange(ctx, vms, start, end);
  return KernResult.Success;
}

/** vm_map_inherit */
export function vmMapInherit(ctx: VmContext, vms: Vmspace, start: number, end: number, inherit: Inherit): KernResult {
  const map = vms.map;
  for (let e = clipRangeEntry(ctx, vms, start, end); e !== null && e.start < end; e = e.next) e.inherit = inherit;
  map.timestamp++;
  vmMapSimplifyRange(ctx, vms, start, end);
  return KernResult.Success;
}

/**
 * vm_map_wire (user wiring, mlock): every page is faulted in with the entry's protection
 * (a writable copy-on-write entry gets its private copies now) and wired.
 */
export function* vmMapWire(ctx: VmContext, vms: Vmspace, start: number, end: number, tid: number): KGen<KernResult> {
  const map = vms.map;
  if (!map.covered(start, end)) return KernResult.InvalidAddress;
  const todo: VmMapEntry[] = [];
  for (let e = clipRangeEntry(ctx, vms, start, end); e !== null && e.start < end; e = e.next) todo.push(e);
  for (const e of todo) {
    if ((e.eflags & MAP_ENTRY_USER_WIRED) !== 0) continue;
    if (e.prot === 0) return KernResult.ProtectionFailure;
    const access = (e.prot & VM_PROT_WRITE) !== 0 ? Access.Write : (e.prot & VM_PROT_READ) !== 0 ? Access.Read : Access.Execute;
    for (let va = e.start; va < e.end; va += PAGE_SIZE) {
      const r = yield* settle(vmFault(ctx, vms, va, access, tid, FAULT_WIRE));
      if (r !== FaultResult.Success) return r === FaultResult.NoMemory ? KernResult.NoSpace : KernResult.Failure;
    }
    e.eflags |= MAP_ENTRY_USER_WIRED;
    e.wiredCount = 1;
    emitWire(ctx.bus, ctx.ownerOf(vms), e.start, e.end, true);
  }
  vmMapSimplifyRange(ctx, vms, start, end);
  return KernResult.Success;
}

/** vm_map_unwire (munlock) */
export function vmMapUnwire(ctx: VmContext, vms: Vmspace, start: number, end: number): KernResult {
  const map = vms.map;
  if (!map.covered(start, end)) return KernResult.InvalidAddress;
  for (let e = clipRangeEntry(ctx, vms, start, end); e !== null && e.start < end; e = e.next) {
    if ((e.eflags & MAP_ENTRY_USER_WIRED) === 0) continue;
    entryUnwire(ctx, vms, e);
    emitWire(ctx.bus, ctx.ownerOf(vms), e.start, e.end, false);
  }
  vmMapSimplifyRange(ctx, vms, start, end);
  return KernResult.Success;
}

/**
 * vm_map_sync (msync): writes dirty file pages of [start, end) back; with invalidate, first
 * removes the range's translations (a physical removal: metadata survives) and then frees
 * the clean pages of file objects.
 */
export function vmMapSync(ctx: VmContext, vms: Vmspace, start: number, end: number, invalidate: boolean): KernResult {
  const map = vms.map;
  if (!map.covered(start, end)) return KernResult.InvalidAddress;
  if (invalidate) {
    for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
      if (e.wiredCount > 0) return KernResult.InvalidArgument;
    }
    pmapRemove(ctx.bus, vms.pmap, start, end, 'msync');
  }
  const mem = ctx.mem;
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    const o = e.object;
    if (o === null || o.type !== 'vnode') continue;
    const s = e.offset + (Math.max(start, e.start) - e.start) / PAGE_SIZE;
    const t = e.offset + (Math.min(end, e.end) - e.start) / PAGE_SIZE;
    const dirty: number[] = [];
    for (let f = o.memq; f !== -1; f = mem.listNextOf(f)) {
      const pi = mem.pindexOf(f);
      if (pi < s || pi >= t) continue;
      if (ctx.pages.isModified(f)) mem.flags[f] = (mem.flags[f] as number) | PG_DIRTY;
      if (((mem.flags[f] as number) & PG_DIRTY) !== 0) dirty.push(f);
    }
    if (dirty.length > 0 && o.pager.putpages?.(o, dirty) === true) {
      for (const f of dirty) {
        mem.flags[f] = (mem.flags[f] as number) & ~PG_DIRTY;
        ctx.pages.clearModify(f);
      }
      emitPageout(ctx.bus, o.id, mem.pindexOf(dirty[0] as number), dirty.length);
    }
    if (invalidate) ctx.objects.pageRemove(o, s, t, true);
  }
  return KernResult.Success;
}

export type { RemoveReason };
