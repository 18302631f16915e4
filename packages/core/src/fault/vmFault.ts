import { Access, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { PG_BUSY, PG_DIRTY, PG_RELEASED, PG_REUSABLE } from '../mem/PhysMem.ts';
import { MAP_ENTRY_LOCK_ONFAULT, MAP_ENTRY_NEEDS_COPY } from '../map/VmMapEntry.ts';
import { vmaFaultable, vmaLockOf } from '../map/vmaLock.ts';
import { PagerResult } from '../pager/Pager.ts';
import { pmapEnter } from '../pmap/pmapCalls.ts';
import { OBJ_DEAD, type VmObject } from '../object/VmObject.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import { type KGen, type Run, type Wait, isKGen, sched, settle } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { FaultState, faultStateFor, releaseFaultState } from './FaultState.ts';
import { emitPagein } from '../events/emit.ts';

/** Fault results (what the access turns into). */
export enum FaultResult {
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
/**
 * The fault is retried under the map lock after its attempt under a per-VMA lock returned
 * VM_FAULT_RETRY (Linux do_user_addr_fault falls back to lock_mm_and_find_vma): it does not
 * try the area's lock again.
 */
export const FAULT_MMAP_RETRY = 4;

/** A fault's result now, or the continuation that sleeps and then finishes it (sched/KGen.ts `Run`). */
export type FaultRun = Run<FaultResult>;

/** Re-exported from sched/KGen.ts, where the value-or-continuation convention is defined. */
export { isKGen };

/** A step that did not decide the fault: go on to the next one. */
const GO_ON = -1;

/**
 * vm_fault (FreeBSD sys/vm/vm_fault.c): resolves a fault at va in vms for an access of
 * `access` by thread `tid`. Looks the entry up, checks protection, shadows a NEEDS_COPY
 * entry on write, walks the shadow chain for the page (resident, from the pager, or
 * zero-filled in the first object), copies it up on a write that found it in a backing
 * object, and enters the translation. The state travels in one FaultState.
 *
 * A fault that does not sleep completes in this call and returns its result (no generator
 * is made). Where the real one sleeps (the map locked by fork, a busy page, pager I/O) it
 * returns the continuation: a generator that yields there and then finishes the same fault
 * (the `Run` convention of sched/KGen.ts). After a sleep on a busy page the fault starts
 * again (RetryFault); after pager I/O it looks the map up again and restarts if the map
 * changed (when the FaultRevalidatePolicy says so, `ctx.faultRevalidate`).
 */
export function vmFault(ctx: VmContext, vms: Vmspace, va: number, access: number, tid: number, flags: number): FaultRun {
  const fs = faultStateFor(ctx, vms, va, access, tid, flags);
  try {
    const r = faultLookup(fs);
    return r !== GO_ON ? r : faultWalk(fs);
  } finally {
    releaseFaultState(fs);
  }
}

/**
 * vm_fault_lookup (vm_map_lookup and its checks): the entry at va, its protection against
 * the access (a debugger's forced copy allowed), the madvise hook, a NEEDS_COPY entry given
 * an object of its own on write, an object-less entry given one; sets fs.e, fs.first and
 * fs.firstIndex. A result, a sleep, or GO_ON.
 */
function faultLookup(fs: FaultState): FaultRun | typeof GO_ON {
  const { ctx, vms, access } = fs;
  const map = vms.map;
  // Under `fault.lock: vma_lock*` a fault on a private anonymous area that no writer has
  // locked goes on under that area's lock (Linux lock_vma_under_rcu), not the map lock.
  if (ctx.faultLock.vmaLock && (fs.flags & (FAULT_WIRE | FAULT_MMAP_RETRY)) === 0) {
    const e = map.entryAt(fs.va);
    fs.vmaLocked = e !== undefined && vmaFaultable(e);
  }
  // vm_map_lookup takes the map's read lock: wait while a system call (fork, munmap, ...)
  // holds it exclusively. mlock's own wiring faults run under the lock mlock holds.
  // Under UVM's rwlock(9) a queued writer holds the fault's read lock back as well; a fault
  // under a per-VMA lock (fault.lock vma_lock) does not take the map lock at all.
  if (!fs.vmaLocked && !map.lock.canShare() && (fs.flags & FAULT_WIRE) === 0)
    return sleepThenRetry(fs.copy(), { reason: 'vm_fault: map locked', until: () => map.lock.canShare(), on: map.lock });
  const e = map.entryAt(fs.va);
  if (e === undefined) return FaultResult.NoEntry;
  if (e.revoked) return FaultResult.NoPage;
  const need = access === Access.Write ? VM_PROT_WRITE : access === Access.Execute ? VM_PROT_EXECUTE : VM_PROT_READ;
  if ((e.prot & need) === 0) {
    if ((fs.flags & FAULT_FORCE_COPY) !== 0 && access === Access.Write && !e.shared && (e.prot & VM_PROT_READ) !== 0) fs.forced = true;
    else return FaultResult.Protection;
  }
  const vaPage = fs.vaPage;
  // The madvise policy's hook (madvise.reusable_fault: fatal denies pages in the reusable state).
  if (ctx.madvisePolicy.faultDenied?.(ctx, vms, e, vaPage) === true) return FaultResult.Protection;
  const objs = ctx.objects;
  // A write to a NEEDS_COPY entry gets the entry an object of its own (vm_map_lookup).
  if (access === Access.Write && (e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0) {
    const src = e.object;
    if (src !== null) {
      const s = objs.shadow(src, e.offset, e.pages, ctx.anonPager);
      if (s !== src) {
        e.object = s;
        e.offset = 0;
      }
    }
    e.eflags &= ~MAP_ENTRY_NEEDS_COPY;
    map.timestamp++;
  }
  if (e.object === null) {
    e.object = objs.allocate('anon', e.pages, ctx.anonPager);
    e.offset = 0;
    map.timestamp++;
  }
  fs.e = e;
  fs.first = e.object;
  fs.firstIndex = e.offset + (vaPage - e.start) / PAGE_SIZE;
  return GO_ON;
}

/**
 * The walk down the shadow chain (vm_fault_object / vm_fault_next): a resident page (a busy
 * one makes the fault sleep and retry), a page the pager has (allocated busy, then pageIn),
 * or, at the bottom, a zero-filled page in the first object.
 */
function faultWalk(fs: FaultState): FaultRun {
  const { ctx } = fs;
  const objs = ctx.objects;
  const mem = ctx.mem;
  const first = fs.first;
  let obj = first;
  let pi = fs.firstIndex;
  let frame: number;
  for (;;) {
    // An object a collapse has marked dead while its scan sleeps (still live, not yet
    // terminated): the page may be on its way up into the shadow. Before D6085 vm_fault
    // stopped at any OBJ_DEAD object (KERN_PROTECTION_FAILURE, a spurious SIGSEGV); since,
    // it pauses and faults again from the lookup (`pause("vmf_de")`, RetryFault), modelled
    // as a sleep until the collapse is done with the object.
    if ((obj.flags & OBJ_DEAD) !== 0 && objs.live.has(obj.id)) {
      if (!ctx.collapsePolicy.faultRetriesDead) return FaultResult.Protection;
      const dead = obj;
      return sleepThenRetry(fs.copy(), {
        reason: 'vm_fault: object being collapsed (vmf_de)',
        until: () => !objs.live.has(dead.id) || (dead.flags & OBJ_DEAD) === 0,
      });
    }
    frame = objs.lookupPage(obj, pi);
    if (frame !== -1 && obj === first && !fs.forced && (fs.flags & FAULT_WIRE) === 0 && ((mem.flags[frame] as number) & PG_BUSY) === 0) {
      fs.obj = obj;
      fs.frame = frame;
      return softFast(fs);
    }
    if (frame !== -1) {
      if (((mem.flags[frame] as number) & PG_BUSY) !== 0) {
        const f = frame;
        const owner = obj.id;
        // Under the area lock, a locked folio is waited for with that lock dropped
        // (folio_lock_or_retry: release_fault_lock), and the fault is retried under mmap_lock.
        if (fs.vmaLocked) fs.flags |= FAULT_MMAP_RETRY;
        return sleepThenRetry(fs.copy(), {
          reason: 'vm_fault: page busy',
          until: () => ((mem.flags[f] as number) & PG_BUSY) === 0 || mem.objectOf(f) !== owner,
        });
      }
      break;
    }
    // An anonymous object whose pager holds nothing yet (FreeBSD's OBJT_DEFAULT) is not asked.
    if ((obj.type !== 'anon' || obj.pagerData !== undefined) && obj.pager.haspage(obj, pi)) {
      // Linux 6.4 to 6.6 (mm/memory.c do_swap_page; a file area never gets this far in the
      // model, vmaFaultable): a fault under the area lock that must page in ends the area's
      // read lock (vma_end_read) and returns VM_FAULT_RETRY before any I/O; the fault is
      // done again under mmap_lock, which waits while fork or an munmap holds it. (Later
      // kernels page in under the area lock and keep it across a synchronous read, or drop
      // it in folio_lock_or_retry and retry the same way: never is the page brought in
      // with neither lock held, as a fault in the model was before.)
      if (fs.vmaLocked) return retryUnderMmapLock(fs);
      frame = objs.allocPage(obj, pi);
      if (frame === -1) return FaultResult.NoMemory;
      mem.flags[frame] = (mem.flags[frame] as number) | PG_BUSY;
      objs.busyHolders.set(frame, sched.current);
      obj.pip++;
      fs.obj = obj;
      fs.pi = pi;
      fs.frame = frame;
      fs.stamp = fs.vms.map.timestamp;
      // vm_fault holds a reference on its first object while it sleeps: an unmap meanwhile
      // leaves the object (and the busy page) for the fault to finish with.
      objs.hold(first);
      return pageIn(fs.copy());
    }
    if (obj.type === 'vnode') return pi >= obj.size ? FaultResult.OutOfBounds : FaultResult.NoPage;
    if (obj.backing === null) {
      // Zero fill in the first object.
      obj = first;
      frame = objs.allocPage(first, fs.firstIndex);
      if (frame === -1) return FaultResult.NoMemory;
      mem.contents.fill(frame, 0);
      ctx.counters.zeroFills++;
      // A zero-filled page has no backing copy to invalidate: a write just dirties it.
      if (fs.access === Access.Write) mem.flags[frame] = (mem.flags[frame] as number) | PG_DIRTY;
      break;
    }
    pi += obj.backingOffset;
    obj = obj.backing;
  }
  fs.obj = obj;
  fs.frame = frame;
  return faultFinish(fs);
}

/**
 * vm_fault_soft_fast (FreeBSD sys/vm/vm_fault.c): the page is resident, valid and not busy
 * in the first object, so it is mapped at once with the first object busied
 * (vm_object_busy) under the map read lock, and the fault ends by releasing both. Under
 * `fault.soft_fast: unbusy_first` (the fix of D38527) the object is unbusied before the map
 * lock goes, so nothing can happen in between (the path completes here). Under
 * `unlock_first` the map lock (vm_map_lookup_done) is released first: another thread may
 * run in that window (a scheduling point), and an munmap there drops the entry's
 * reference, the last one, and terminates the object the fault then unbusies.
 */
function softFast(fs: FaultState): FaultRun {
  const { ctx } = fs;
  const obj = fs.obj;
  ctx.objects.busyObject(obj);
  const r = faultFinish(fs);
  if (isKGen(r)) return softFastAfterSleep(ctx, obj, r);
  if (ctx.faultSoftFast.unbusyBeforeUnlock) {
    ctx.objects.unbusyObject(obj, 'vm_fault_soft_fast');
    return r;
  }
  return unbusyAfterUnlock(ctx, obj, r);
}

/** The fast path whose finish slept (a fault.lock copy sleep): the unbusy order is kept after it. */
function* softFastAfterSleep(ctx: VmContext, obj: VmObject, g: KGen<FaultResult>): KGen<FaultResult> {
  const r = yield* g;
  if (ctx.faultSoftFast.unbusyBeforeUnlock) {
    ctx.objects.unbusyObject(obj, 'vm_fault_soft_fast');
    return r;
  }
  return yield* unbusyAfterUnlock(ctx, obj, r);
}

function* unbusyAfterUnlock(ctx: VmContext, obj: VmObject, r: FaultResult): KGen<FaultResult> {
  yield { reason: 'vm_fault_soft_fast: map unlocked, object busy' };
  ctx.objects.unbusyObject(obj, 'vm_fault_soft_fast');
  return r;
}

/** VM_FAULT_RETRY from the per-VMA-lock attempt: the fault again, under the map lock. */
function retryUnderMmapLock(fs: FaultState): FaultRun {
  return vmFault(fs.ctx, fs.vms, fs.va, fs.access, fs.tid, fs.flags | FAULT_MMAP_RETRY);
}

/** Sleeps at `w`, then faults again from the top (FreeBSD's RetryFault). */
function* sleepThenRetry(fs: FaultState, w: Wait): KGen<FaultResult> {
  yield w;
  return yield* settle(vmFault(fs.ctx, fs.vms, fs.va, fs.access, fs.tid, fs.flags));
}

/**
 * The pager I/O part of a fault (vm_fault_getpages): the busy page is filled by the pager
 * (which may sleep or drop the object lock), then the map is looked up again; a changed map
 * restarts the fault. `fs` is the continuation's own copy.
 */
function* pageIn(fs: FaultState): KGen<FaultResult> {
  const { ctx, e, obj, pi, frame } = fs;
  const mem = ctx.mem;
  // The entry's range in this object's index space (clustering is clipped to it).
  const base = pi - (fs.firstIndex - e.offset);
  const r = yield* obj.pager.getpages(obj, pi, frame, { entryStart: base, entryEnd: base + e.pages, tid: fs.tid });
  if (ctx.faultPagerRelock.relocksBusy) {
    // `fault.pager_relock: relock_busy` (UVM: uvm_fault_lower_io, OpenBSD and NetBSD
    // sys/uvm/uvm_fault.c): pgo_get sleeps for the I/O with every lock dropped and the page
    // busy; then uvmfault_relock takes the map read lock again, sleeping for it with the
    // page still busy (under abi openbsd an rwlock(9): behind a queued writer too).
    // `restart` (FreeBSD's vm_fault) instead unbusies and restarts when the map is not
    // free (vm_fault_relookup's trylock), as below.
    // A wiring fault (mlock) runs under the lock its caller holds in this model.
    yield { reason: 'uvm_fault: pager I/O' };
    const lock = fs.vms.map.lock;
    while ((fs.flags & FAULT_WIRE) === 0 && !lock.canShare()) yield { reason: 'uvmfault_relock: map lock', until: () => lock.canShare(), on: lock };
    if (((mem.flags[frame] as number) & PG_RELEASED) !== 0) return yield* releasedThenRetry(fs, r);
  }
  obj.pip--;
  mem.flags[frame] = (mem.flags[frame] as number) & ~PG_BUSY;
  ctx.objects.busyHolders.delete(frame);
  if (r !== PagerResult.Ok) {
    ctx.objects.freePage(obj, frame);
    ctx.objects.release(fs.first);
    if (r === PagerResult.Bad) return obj.type === 'vnode' && pi >= obj.size ? FaultResult.OutOfBounds : FaultResult.NoPage;
    return FaultResult.PagerError;
  }
  emitPagein(ctx.bus, obj.id, pi, 1);
  if ((ctx.faultRevalidate.afterPagerSleep && fs.vms.map.timestamp !== fs.stamp) || mem.objectOf(frame) !== obj.id) {
    // The map changed while we slept (an munmap, an mprotect, a fork): drop the reference
    // (unlock_and_deallocate) and fault again from the lookup (RetryFault).
    ctx.objects.release(fs.first);
    return yield* settle(vmFault(ctx, fs.vms, fs.va, fs.access, fs.tid, fs.flags));
  }
  const res = yield* settle(faultFinish(fs));
  ctx.objects.release(fs.first);
  return res;
}

/**
 * UVM's end of a page-in whose page an unmap released meanwhile (OpenBSD sys/uvm/uvm_fault.c
 * uvmfault_anonget: the page is PG_RELEASED, its anon out of the amap): the faulting thread
 * frees the page and its swap slot (uvm_anon_release), whatever the I/O returned, and the
 * fault restarts from the lookup (ERESTART), which finds the map as the unmap left it.
 */
function* releasedThenRetry(fs: FaultState, r: PagerResult): KGen<FaultResult> {
  const { ctx, obj, pi, frame } = fs;
  const objs = ctx.objects;
  const mem = ctx.mem;
  obj.pip--;
  mem.flags[frame] = (mem.flags[frame] as number) & ~(PG_BUSY | PG_RELEASED);
  objs.busyHolders.delete(frame);
  // Never mapped (busy since its allocation): freeing it needs no pmap work.
  objs.freePage(obj, frame);
  obj.pager.freeRange?.(obj, pi, pi + 1);
  if (r === PagerResult.Ok) emitPagein(ctx.bus, obj.id, pi, 1);
  // uvmexp's flt_pgrele.
  ctx.counters.add('fault.released');
  objs.release(fs.first);
  return yield* settle(vmFault(ctx, fs.vms, fs.va, fs.access, fs.tid, fs.flags));
}

/**
 * The end of a fault, once the page is found (vm_fault_cow and vm_fault's pmap_enter):
 * copy-on-write copy-up into the first object for a write that found the page deeper,
 * read-only mapping for a read that did, the dirty bit, and the translation (wired for mlock).
 */
function faultFinish(fs: FaultState): FaultRun {
  const { ctx, e, access, forced, first } = fs;
  const objs = ctx.objects;
  const mem = ctx.mem;
  let obj = fs.obj;
  let frame = fs.frame;
  let prot = e.prot;
  if (forced) prot |= VM_PROT_WRITE;
  if (obj !== first) {
    if (access === Access.Write) {
      // Copy-on-write: the page is copied up into the first object.
      const nf = objs.allocPage(first, fs.firstIndex);
      if (nf === -1) return FaultResult.NoMemory;
      mem.contents.copyFrom(nf, mem.contents, frame);
      ctx.counters.cowCopies++;
      // vm_fault_cow (FreeBSD-SA-21:08): a first object shared read/write between address
      // spaces (not ONEMAPPING) may be mapped elsewhere over the source page; every mapping
      // of that page goes, so the other sharers fault and find the copy.
      if (!first.oneMapping && ctx.faultCowPolicy.invalidateSource) ctx.pages.removeAll(frame);
      frame = nf;
      obj = first;
      if (fs.vmaLocked) {
        // Linux wp_page_copy: the copy is made, then mem_cgroup_charge (GFP_KERNEL) may
        // sleep before the PTE is switched to it; the fault holds the area's lock shared.
        fs.obj = obj;
        fs.frame = frame;
        return chargeThenMap(fs.copy(), prot);
      }
    } else {
      prot &= ~VM_PROT_WRITE;
    }
  }
  return faultMap(fs, obj, frame, prot);
}

/** The copy-on-write copy's sleep under the per-VMA lock, then its mapping; `fs` is the continuation's copy. */
function* chargeThenMap(fs: FaultState, prot: number): KGen<FaultResult> {
  const mem = fs.ctx.mem;
  const f = fs.frame;
  // The copy is not in the page table yet: a racing fault on it waits (busy) and retries.
  mem.flags[f] = (mem.flags[f] as number) | PG_BUSY;
  // The model's object chain already finds the copy, so the old read-only PTE is cleared
  // now rather than replaced after the sleep; like Linux's, which stays until
  // ptep_clear_flush, it leaves the other CPUs' TLBs alone until then (removeDeferred).
  const pmap = fs.vms.pmap;
  const va = fs.vaPage;
  const cleared = pmap.removeDeferred !== undefined && pmap.extract(va) >= 0;
  if (cleared) pmap.removeDeferred!(va, va + PAGE_SIZE);
  const lock = vmaLockOf(fs.e);
  yield* lock.lockShared();
  yield { reason: 'wp_page_copy: mem_cgroup_charge' };
  lock.unlockShared();
  mem.flags[f] = (mem.flags[f] as number) & ~PG_BUSY;
  const r = faultMap(fs, fs.obj, f, prot);
  // ptep_clear_flush: every CPU drops the old translation as the PTE switches.
  if (cleared) pmap.flushDeferred?.(va, va + PAGE_SIZE);
  return r;
}

/** The end of faultFinish: the rights, the dirty bit, wiring, and the translation. */
function faultMap(fs: FaultState, obj: VmObject, frame: number, prot: number): FaultResult {
  const { ctx, e, access, forced } = fs;
  const objs = ctx.objects;
  const mem = ctx.mem;
  if ((e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0) prot &= ~VM_PROT_WRITE;
  if (access === Access.Write) objs.markDirty(obj, frame);
  let wired = (fs.flags & FAULT_WIRE) !== 0;
  let wireNow = wired;
  if (!wired && (e.eflags & MAP_ENTRY_LOCK_ONFAULT) !== 0) {
    // Lock on fault (Linux VM_LOCKONFAULT): the page faulted in is wired; one it replaces
    // at this address (a copy-on-write copy-up) gives its wiring back.
    wired = true;
    const old = fs.vms.pmap.extract(fs.vaPage);
    wireNow = old !== frame;
    if (wireNow && old >= 0 && mem.wireCountOf(old) > 0) mem.setWireCount(old, mem.wireCountOf(old) - 1);
  }
  // A debugger's write goes to the page, but the mapping keeps the entry's rights.
  pmapEnter(ctx.bus, fs.vms.pmap, fs.vaPage, frame, forced && access === Access.Write ? e.prot & ~VM_PROT_WRITE : prot, wired);
  if (wireNow) {
    mem.setWireCount(frame, mem.wireCountOf(frame) + 1);
    // Wiring a page in the reusable state takes it back into the footprint (XNU T5.8a).
    mem.flags[frame] = (mem.flags[frame] as number) & ~PG_REUSABLE;
  }
  objs.activate(frame);
  ctx.counters.faultsResolved++;
  return FaultResult.Success;
}
