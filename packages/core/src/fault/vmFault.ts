import { Access, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { PG_BUSY } from '../mem/PhysMem.ts';
import { MAP_ENTRY_NEEDS_COPY } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import { PagerResult } from '../pager/Pager.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from '../machine/Kernel.ts';

/** Fault results (what the access turns into). */
export const enum FaultResult {
  Success = 0,
  /** No entry at the address: SIGSEGV/SEGV_MAPERR. */
  NoEntry = 1,
  /** The entry forbids the access: SIGSEGV/SEGV_ACCERR. */
  Protection = 2,
  /** No page exists there (past the end of a file, or a revoked mapping): SIGBUS/BUS_ADRERR. */
  NoPage = 3,
  /** The pager failed: SIGBUS/BUS_OBJERR. */
  PagerError = 4,
  /** No physical memory, even after reclaim. */
  NoMemory = 5,
}

export const FAULT_WIRE = 1;
/** ptrace-style write into a private mapping that lacks write permission (VM_PROT_COPY). */
export const FAULT_FORCE_COPY = 2;

/**
 * vm_fault (FreeBSD sys/vm/vm_fault.c): resolves a fault at va in vms for an access of
 * `access` by thread `tid`. Looks the entry up, checks protection, shadows a NEEDS_COPY
 * entry on write, walks the shadow chain for the page (resident, from the pager, or
 * zero-filled in the first object), copies it up on a write that found it in a backing
 * object, and enters the translation. Sleeps (yields) on a busy page, and wherever the
 * pager does; after a sleep it looks the map up again and restarts if it changed.
 */
export function* vmFault(k: Kernel, vms: Vmspace, va: number, access: number, tid: number, flags: number): KGen<FaultResult> {
  const map = vms.map;
  const objs = k.objects;
  const mem = k.mem;
  for (;;) {
    // vm_map_lookup takes the map's read lock: wait while a fork holds it exclusively.
    while (map.lock.owner !== -1) yield { reason: 'vm_fault: map locked', until: () => map.lock.owner === -1 };
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
    const stamp = map.timestamp;
    // Walk the chain.
    let obj: VmObject = first;
    let pi = firstIndex;
    let frame = -1;
    let slept = false;
    for (;;) {
      frame = objs.lookupPage(obj, pi);
      if (frame !== -1) {
        if (((mem.flags[frame] as number) & PG_BUSY) !== 0) {
          const f = frame;
          const owner = obj.id;
          yield { reason: 'vm_fault: page busy', until: () => ((mem.flags[f] as number) & PG_BUSY) === 0 || mem.object[f] !== owner };
          slept = true;
        }
        break;
      }
      if (obj.pager.haspage(obj, pi)) {
        frame = objs.allocPage(obj, pi);
        if (frame === -1) return FaultResult.NoMemory;
        mem.flags[frame] = (mem.flags[frame] as number) | PG_BUSY;
        obj.pip++;
        // The entry's range in this object's index space (clustering is clipped to it).
        const base = pi - (firstIndex - e.offset);
        const r = yield* obj.pager.getpages(obj, pi, frame, { entryStart: base, entryEnd: base + e.pages, tid });
        obj.pip--;
        mem.flags[frame] = (mem.flags[frame] as number) & ~PG_BUSY;
        if (r !== PagerResult.Ok) {
          objs.freePage(obj, frame);
          return r === PagerResult.Bad ? FaultResult.NoPage : FaultResult.PagerError;
        }
        if (k.bus.wants('pagein')) k.bus.publish({ kind: 'pagein', object: obj.id, pindex: pi, count: 1 });
        slept = true;
        break;
      }
      if (obj.type === 'vnode') return FaultResult.NoPage;
      if (obj.backing === null) {
        // Zero fill in the first object.
        obj = first;
        pi = firstIndex;
        frame = objs.allocPage(first, firstIndex);
        if (frame === -1) return FaultResult.NoMemory;
        mem.contents.fill(frame, 0);
        break;
      }
      pi += obj.backingOffset;
      obj = obj.backing;
    }
    if (slept && k.faultRevalidates && map.timestamp !== stamp) continue;
    if (slept && ((mem.flags[frame] as number) & PG_BUSY) !== 0) continue;
    if (slept && mem.object[frame] !== obj.id) continue;

    let prot = e.prot;
    if (forced) prot |= VM_PROT_WRITE;
    if (obj !== first) {
      if (access === Access.Write) {
        // Copy-on-write: the page is copied up into the first object.
        const nf = objs.allocPage(first, firstIndex);
        if (nf === -1) return FaultResult.NoMemory;
        mem.contents.copyFrom(nf, mem.contents, frame);
        k.counters.add('cow_copies');
        frame = nf;
        obj = first;
      } else {
        prot &= ~VM_PROT_WRITE;
      }
    }
    if ((e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0) prot &= ~VM_PROT_WRITE;
    if (access === Access.Write) objs.markDirty(obj, frame);
    const wired = (flags & FAULT_WIRE) !== 0;
    if (forced && access === Access.Write) {
      // A debugger write: the page is written but the mapping keeps the entry's rights.
      k.pmapEnter(vms, vaPage, frame, e.prot & ~VM_PROT_WRITE, wired);
    } else {
      k.pmapEnter(vms, vaPage, frame, prot, wired);
    }
    if (wired) mem.wireCount[frame] = (mem.wireCount[frame] as number) + 1;
    objs.activate(frame);
    k.counters.add('faults');
    return FaultResult.Success;
  }
}
