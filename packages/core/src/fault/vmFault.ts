import { Access, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { PG_BUSY, PG_DIRTY, PG_REUSABLE } from '../mem/PhysMem.ts';
import { MAP_ENTRY_NEEDS_COPY, type VmMapEntry } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import { PagerResult } from '../pager/Pager.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen, Wait } from '../sched/KGen.ts';
import type { Kernel } from '../machine/Kernel.ts';

/** Fault results (what the access turns into). */
export const enum FaultResult {
  Success = 0,
  /** No entry at the address: SIGSEGV/SEGV_MAPERR. */
  NoEntry = 1,
  /** The entry forbids the access: SIGSEGV/SEGV_ACCERR. */
  Protection = 2,
  /** No page exists there (a revoked mapping): SIGBUS/BUS_ADRERR. */
  NoPage = 3,
  /** The pager failed: SIGBUS/BUS_OBJERR. */
  PagerError = 4,
  /** No physical memory, even after reclaim. */
  NoMemory = 5,
  /**
   * The page lies past the end of its file object (FreeBSD KERN_OUT_OF_BOUNDS): SIGBUS with
   * the ABI's code (abi/faultSignal.ts).
   */
  OutOfBounds = 6,
}

export const FAULT_WIRE = 1;
/** ptrace-style write into a private mapping that lacks write permission (VM_PROT_COPY). */
export const FAULT_FORCE_COPY = 2;

/** A fault's result now, or the kernel-thread continuation that sleeps and then finishes it. */
export type FaultRun = FaultResult | KGen<FaultResult>;

/** Whether a fault (or any kernel path written this way) must still be driven. */
export function isKGen<T>(x: T | KGen<T>): x is KGen<T> {
  return typeof x === 'object' && x !== null && typeof (x as KGen<T>).next === 'function';
}

/**
 * vm_fault (FreeBSD sys/vm/vm_fault.c): resolves a fault at va in vms for an access of
 * `access` by thread `tid`. Looks the entry up, checks protection, shadows a NEEDS_COPY
 * entry on write, walks the shadow chain for the page (resident, from the pager, or
 * zero-filled in the first object), copies it up on a write that found it in a backing
 * object, and enters the translation.
 *
 * A fault that does not sleep completes in this call and returns its result. Where the
 * real one sleeps (the map locked by fork, a busy page, pager I/O) it returns the
 * continuation: a generator that yields there and then finishes the same fault, so a
 * serial run drives it with runSerial and a concurrent one interleaves it. After a sleep
 * on a busy page the fault starts again (RetryFault); after pager I/O it looks the map up
 * again and restarts if the map changed (when `k.faultRevalidates`).
 */
export function vmFault(k: Kernel, vms: Vmspace, va: number, access: number, tid: number, flags: number): FaultRun {
  const map = vms.map;
  const objs = k.objects;
  const mem = k.mem;
  // vm_map_lookup takes the map's read lock: wait while a fork holds it exclusively.
  if (map.lock.owner !== -1) {
    return sleepThenRetry(k, vms, va, access, tid, flags, { reason: 'vm_fault: map locked', until: () => map.lock.owner === -1 });
  }
  const idx = map.lookup(va);
  if (idx < 0) return FaultResult.NoEntry;
  const e = map.entries[idx]!;
  if (e.revoked) return FaultResult.NoPage;
  const need = access === Access.Write ? VM_PROT_WRITE : access === Access.Execute ? VM_PROT_EXECUTE : VM_PROT_READ;
  let forced = false;
  if ((e.prot & need) === 0) {
    if ((flags & FAULT_FORCE_COPY) !== 0 && access === Access.Write && !e.shared && (e.prot & VM_PROT_READ) !== 0) forced = true;
    else return FaultResult.Protection;
  }
  const vaPage = va - (va % PAGE_SIZE);
  // The madvise policy's hook (madvise.reusable_fault: fatal denies pages in the reusable state).
  if (k.madvisePolicy.faultDenied?.(k, vms, e, vaPage) === true) return FaultResult.Protection;
  // A write to a NEEDS_COPY entry gets the entry an object of its own (vm_map_lookup).
  if (access === Access.Write && (e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0) {
    const src = e.object;
    if (src !== null) {
      const s = objs.shadow(src, e.offset, e.pages, k.anonPager);
      if (s !== src) {
        e.object = s;
        e.offset = 0;
      }
    }
    e.eflags &= ~MAP_ENTRY_NEEDS_COPY;
    map.timestamp++;
  }
  if (e.object === null) {
    e.object = objs.allocate('anon', e.pages, k.anonPager);
    e.offset = 0;
    map.timestamp++;
  }
  const first: VmObject = e.object;
  const firstIndex = e.offset + (vaPage - e.start) / PAGE_SIZE;
  // Walk the chain.
  let obj: VmObject = first;
  let pi = firstIndex;
  let frame: number;
  for (;;) {
    frame = objs.lookupPage(obj, pi);
    if (frame !== -1) {
      if (((mem.flags[frame] as number) & PG_BUSY) !== 0) {
        const f = frame;
        const owner = obj.id;
        return sleepThenRetry(k, vms, va, access, tid, flags, {
          reason: 'vm_fault: page busy',
          until: () => ((mem.flags[f] as number) & PG_BUSY) === 0 || mem.object[f] !== owner,
        });
      }
      break;
    }
    // An anonymous object whose pager holds nothing yet (FreeBSD's OBJT_DEFAULT) is not asked.
    if ((obj.type !== 'anon' || obj.pagerData !== undefined) && obj.pager.haspage(obj, pi)) {
      frame = objs.allocPage(obj, pi);
      if (frame === -1) return FaultResult.NoMemory;
      mem.flags[frame] = (mem.flags[frame] as number) | PG_BUSY;
      obj.pip++;
      return pageIn(k, vms, e, va, access, tid, flags, forced, first, firstIndex, obj, pi, frame, map.timestamp);
    }
    if (obj.type === 'vnode') return pi >= obj.size ? FaultResult.OutOfBounds : FaultResult.NoPage;
    if (obj.backing === null) {
      // Zero fill in the first object.
      obj = first;
      frame = objs.allocPage(first, firstIndex);
      if (frame === -1) return FaultResult.NoMemory;
      mem.contents.fill(frame, 0);
      // A zero-filled page has no backing copy to invalidate: a write just dirties it.
      if (access === Access.Write) mem.flags[frame] = (mem.flags[frame] as number) | PG_DIRTY;
      break;
    }
    pi += obj.backingOffset;
    obj = obj.backing;
  }
  return faultFinish(k, vms, e, vaPage, access, flags, forced, first, firstIndex, obj, frame);
}

/** Sleeps at `w`, then faults again from the top (FreeBSD's RetryFault). */
function* sleepThenRetry(k: Kernel, vms: Vmspace, va: number, access: number, tid: number, flags: number, w: Wait): KGen<FaultResult> {
  yield w;
  const r = vmFault(k, vms, va, access, tid, flags);
  return isKGen(r) ? yield* r : r;
}

/**
 * The pager I/O part of a fault: the busy page is filled by the pager (which may sleep or
 * drop the object lock), then the map is looked up again; a changed map restarts the fault.
 */
function* pageIn(
  k: Kernel,
  vms: Vmspace,
  e: VmMapEntry,
  va: number,
  access: number,
  tid: number,
  flags: number,
  forced: boolean,
  first: VmObject,
  firstIndex: number,
  obj: VmObject,
  pi: number,
  frame: number,
  stamp: number,
): KGen<FaultResult> {
  const mem = k.mem;
  // The entry's range in this object's index space (clustering is clipped to it).
  const base = pi - (firstIndex - e.offset);
  const r = yield* obj.pager.getpages(obj, pi, frame, { entryStart: base, entryEnd: base + e.pages, tid });
  obj.pip--;
  mem.flags[frame] = (mem.flags[frame] as number) & ~PG_BUSY;
  if (r !== PagerResult.Ok) {
    k.objects.freePage(obj, frame);
    if (r === PagerResult.Bad) return obj.type === 'vnode' && pi >= obj.size ? FaultResult.OutOfBounds : FaultResult.NoPage;
    return FaultResult.PagerError;
  }
  if (k.bus.kind.pagein.wants()) k.bus.publish({ kind: 'pagein', object: obj.id, pindex: pi, count: 1 });
  if ((k.faultRevalidates && vms.map.timestamp !== stamp) || mem.object[frame] !== obj.id) {
    const again = vmFault(k, vms, va, access, tid, flags);
    return isKGen(again) ? yield* again : again;
  }
  return faultFinish(k, vms, e, va - (va % PAGE_SIZE), access, flags, forced, first, firstIndex, obj, frame);
}

/**
 * The end of a fault, once the page is found: copy-on-write copy-up into the first object
 * for a write that found the page deeper, read-only mapping for a read that did, the dirty
 * bit, and the translation (wired for mlock).
 */
function faultFinish(
  k: Kernel,
  vms: Vmspace,
  e: VmMapEntry,
  vaPage: number,
  access: number,
  flags: number,
  forced: boolean,
  first: VmObject,
  firstIndex: number,
  obj: VmObject,
  frame: number,
): FaultResult {
  const objs = k.objects;
  const mem = k.mem;
  let prot = e.prot;
  if (forced) prot |= VM_PROT_WRITE;
  if (obj !== first) {
    if (access === Access.Write) {
      // Copy-on-write: the page is copied up into the first object.
      const nf = objs.allocPage(first, firstIndex);
      if (nf === -1) return FaultResult.NoMemory;
      mem.contents.copyFrom(nf, mem.contents, frame);
      k.counters.cowCopies++;
      frame = nf;
      obj = first;
    } else {
      prot &= ~VM_PROT_WRITE;
    }
  }
  if ((e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0) prot &= ~VM_PROT_WRITE;
  if (access === Access.Write) objs.markDirty(obj, frame);
  const wired = (flags & FAULT_WIRE) !== 0;
  // A debugger's write goes to the page, but the mapping keeps the entry's rights.
  k.pmapEnter(vms, vaPage, frame, forced && access === Access.Write ? e.prot & ~VM_PROT_WRITE : prot, wired);
  if (wired) {
    mem.wireCount[frame] = (mem.wireCount[frame] as number) + 1;
    // Wiring a page in the reusable state takes it back into the footprint (XNU T5.8a).
    mem.flags[frame] = (mem.flags[frame] as number) & ~PG_REUSABLE;
  }
  objs.activate(frame);
  k.counters.faultsResolved++;
  return FaultResult.Success;
}
