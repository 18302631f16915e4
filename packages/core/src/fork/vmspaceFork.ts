import { VM_PROT_WRITE } from '../abi/constants.ts';
import { PG_DIRTY } from '../mem/PhysMem.ts';
import { entryBack } from '../map/vmMapOps.ts';
import { MAP_ENTRY_COW, MAP_ENTRY_IMMUTABLE, MAP_ENTRY_LOCK_ONFAULT, MAP_ENTRY_NEEDS_COPY, MAP_ENTRY_USER_WIRED, VmMapEntry } from '../map/VmMapEntry.ts';
import { OBJ_DEAD, OBJ_ONEMAPPING, type VmObject } from '../object/VmObject.ts';
import type { Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen, SleepLock } from '../sched/KGen.ts';
import { vmaLockOf } from '../map/vmaLock.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { emitFork } from '../events/emit.ts';

/**
 * vmspace_fork (FreeBSD sys/vm/vm_map.c): builds the child's address space. Locks the
 * parent map, lets MD state be copied (the `fork` event, as pmap_vmspace_copy) before any
 * entry, then copies each entry by its inheritance: none (skipped), share (one object, no
 * longer ONEMAPPING), copy (copy-on-write, or an immediate copy for wired writable
 * entries), zero (a fresh anonymous entry).
 *
 * Under `fault.lock: vma_lock*` it is Linux's dup_mmap (kernel/fork.c) as far as the
 * per-VMA lock goes: each area after the first is copied after a possible sleep
 * (vm_area_dup allocates with GFP_KERNEL); with the 6.4.3 fix (forkLocksVmas) each parent
 * area is write-locked (vma_start_write, waiting for faults under it) before it is copied
 * and stays so until the map lock is dropped; the parent's write-protected PTEs leave the
 * other CPUs' TLBs only at the end (flush_tlb_mm before mmap_write_unlock).
 */
export function* vmspaceFork(ctx: VmContext, parent: Vmspace, child: Vmspace, pid: number, childPid: number, thread: Thread, childThread: Thread): KGen<void> {
  const map = parent.map;
  const owner = thread.tid + pid * 1000;
  yield* map.lock.lockExclusive(owner);
  // vm_map_lock bumps the timestamp: a fault that slept meanwhile sees the map changed.
  map.timestamp++;
  const linux = ctx.faultLock.vmaLock;
  const vmaLocked: SleepLock[] = [];
  const flushLater: [number, number][] = [];
  try {
    emitFork(ctx.bus, pid, childPid, parent.pmap, child.pmap, thread, childThread);
    const cmap = child.map;
    // Entries may be clipped or re-objected while we sleep in a split: walk by address. The
    // entry after the one just copied is its successor while that one is still linked here
    // and still ends at va (vm_map_entry_succ); otherwise the map is searched again.
    let va = map.min;
    let done: VmMapEntry | null = null;
    for (let n = 0; ; n++) {
      if (linux && n > 0 && map.ceil(va) !== null) yield { reason: 'dup_mmap: vm_area_dup' };
      const e: VmMapEntry | null = done !== null && done.map === map && done.end === va && (done.next !== null || map.last === done) ? done.next : map.ceil(va);
      if (e === null) break;
      done = e;
      if (linux && ctx.faultLock.forkLocksVmas) {
        const l = vmaLockOf(e);
        yield* l.lockExclusive(owner);
        vmaLocked.push(l);
      }
      va = e.end;
      switch (e.inherit) {
        case 'none':
          break;
        case 'share': {
          entryBack(ctx, e);
          if ((e.eflags & MAP_ENTRY_NEEDS_COPY) !== 0 && e.object !== null) {
            const s = ctx.objects.shadow(e.object, e.offset, e.pages, ctx.anonPager);
            if (s !== e.object) {
              e.object = s;
              e.offset = 0;
            }
            e.eflags &= ~MAP_ENTRY_NEEDS_COPY;
          }
          const c = e.clone();
          if (c.object !== null) {
            c.object.flags &= ~OBJ_ONEMAPPING;
            ctx.objects.reference(c.object);
          }
          c.wiredCount = 0;
          c.eflags &= ~(MAP_ENTRY_USER_WIRED | MAP_ENTRY_LOCK_ONFAULT);
          cmap.link(c);
          break;
        }
        case 'copy': {
          const c = copyEntryStart(ctx, parent, child, e, linux ? flushLater : null);
          if (c === null) break;
          // Only an object the split or its collapse may sleep on takes the generator (a
          // generator object per entry was a third of what a fork allocates).
          let o = e.object;
          if (copyMaySleep(ctx, o)) o = yield* copyEntrySplit(ctx, e, o as VmObject);
          copyEntryFinish(ctx, child, e, c, o);
          break;
        }
        case 'zero': {
          const c = new VmMapEntry(e.start, e.end, e.prot, e.maxprot, e.inherit);
          c.mdFlags = e.mdFlags;
          cmap.link(c);
          break;
        }
      }
    }
    cmap.timestamp++;
    map.timestamp++;
    // flush_tlb_mm(oldmm): the write-protections reach the other CPUs.
    for (const [s, end] of flushLater) parent.pmap.flushDeferred?.(s, end);
  } finally {
    // mmap_write_unlock ends every area's write lock (vma_end_write_all).
    for (const l of vmaLocked) l.unlockExclusive();
    map.lock.unlockExclusive();
  }
}

/**
 * vm_map_copy_entry: copy-on-write by write-protecting the parent and marking both entries
 * COW|NEEDS_COPY; an anonymous ONEMAPPING object shared with other entries of the map is
 * split first so the object covers exactly this entry (`fork.copy: split`; under
 * `share_amap`, UVM's uvm_mapent_forkcopy shares the amap by reference and splits nothing).
 * A wired writable entry is copied at once (vm_fault_copy_entry): the child gets its own
 * pages, the parent keeps writing.
 *
 * In three steps, so that only the step that may sleep is a generator: copyEntryStart makes
 * the child's entry and write-protects the parent (null when the copy is already whole: a
 * wired entry), copyEntrySplit collapses and splits the object (when copyMaySleep says it
 * has work), copyEntryFinish shares the object and links the child's entry.
 */
function copyEntryStart(ctx: VmContext, parent: Vmspace, child: Vmspace, e: VmMapEntry, flushLater: [number, number][] | null): VmMapEntry | null {
  const c = new VmMapEntry(e.start, e.end, e.prot, e.maxprot, e.inherit);
  c.eflags = e.eflags & MAP_ENTRY_IMMUTABLE;
  c.mdFlags = e.mdFlags;
  c.shared = e.shared;
  c.file = e.file;
  if (e.wiredCount > 0 && (e.prot & VM_PROT_WRITE) !== 0) {
    c.object = copyPagesNow(ctx, e);
    c.offset = 0;
    child.map.link(c);
    return null;
  }
  if ((e.eflags & MAP_ENTRY_NEEDS_COPY) === 0) {
    const pmap = parent.pmap;
    if (flushLater !== null && pmap.protectDeferred !== undefined) {
      // copy_present_pte write-protects without a flush; dup_mmap flushes at the end.
      pmap.protectDeferred(e.start, e.end, e.prot & ~VM_PROT_WRITE);
      flushLater.push([e.start, e.end]);
    } else {
      pmap.protect(e.start, e.end, e.prot & ~VM_PROT_WRITE);
    }
  }
  return c;
}

/**
 * Whether copyEntrySplit has work for object o under `fork.copy: split`: a collapse into a
 * backing object (vm_object_collapse may sleep in its scan, with the parent's map locked),
 * or a split of an ONEMAPPING object other references share.
 */
function copyMaySleep(ctx: VmContext, o: VmObject | null): boolean {
  if (o === null || !o.isAnon || !ctx.forkCopy.splits) return false;
  return o.backing !== null || (o.oneMapping && o.refCount > 1);
}

/**
 * The sleeping part of vm_map_copy_entry under `fork.copy: split`: the collapse of o (e's
 * object), then vm_object_split. Returns the object the entries share: o, or the split's.
 */
function* copyEntrySplit(ctx: VmContext, e: VmMapEntry, o: VmObject): KGen<VmObject> {
  if (o.backing !== null) yield* ctx.objects.collapseSleepable(o);
  // vm_object_split gives up on a backing object a collapse has marked dead.
  if (o.oneMapping && o.refCount > 1 && (o.backing === null || (o.backing.flags & OBJ_DEAD) === 0)) {
    const n = yield* ctx.objects.split(o, e.offset, e.pages, ctx.anonPager);
    // The entry may have moved while the split slept: find it by its object again.
    o.refCount--;
    e.object = n;
    e.offset = 0;
    return n;
  }
  return o;
}

/** The end of vm_map_copy_entry: both entries share object o (e's, or its split), copy-on-write, and the child's entry is linked. */
function copyEntryFinish(ctx: VmContext, child: Vmspace, e: VmMapEntry, c: VmMapEntry, o: VmObject | null): void {
  if (o !== null) {
    if (o.isAnon) {
      // `fork.copy` (policy/ForkCopyPolicy.ts). Under share_amap (UVM) fork copies amap
      // references and never waits for a busy page, so the collapse is the one that stops
      // where it would sleep, as it was before the sleeping scan. UVM has no object split:
      // uvmspace_fork's uvm_mapent_forkcopy (sys/uvm/uvm_map.c) gives the child a reference
      // to the parent's amap at the entry's slot offset (the amap stays shared with the
      // parent's other entries clipped from it) and marks both needs-copy; amap_copy
      // (sys/uvm/uvm_amap.c) then copies anon references, never waiting for a busy page. So
      // under share_amap the object is shared as it is, and fork cannot sleep here on a page
      // a fault keeps busy while it relocks the map.
      if (!ctx.forkCopy.splits) ctx.objects.collapse(o);
      o.flags &= ~OBJ_ONEMAPPING;
    }
    ctx.objects.reference(o);
    c.object = o;
    c.offset = e.offset;
    e.eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
    c.eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
  } else {
    c.eflags |= e.eflags & (MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
  }
  child.map.link(c);
}

/** vm_fault_copy_entry: a new anonymous object holding a copy of every page the entry sees. */
function copyPagesNow(ctx: VmContext, e: VmMapEntry): VmObject {
  const objs = ctx.objects;
  const mem = ctx.mem;
  const n = objs.allocate('anon', e.pages, ctx.anonPager);
  for (let p = 0; p < e.pages; p++) {
    let o: VmObject | null = e.object;
    let pi = e.offset + p;
    while (o !== null) {
      const f = objs.lookupPage(o, pi);
      if (f !== -1) {
        const nf = objs.allocPage(n, p);
        if (nf === -1) return n;
        mem.contents.copyFrom(nf, mem.contents, f);
        mem.flags[nf] = (mem.flags[nf] as number) | PG_DIRTY;
        objs.activate(nf);
        break;
      }
      pi += o.backingOffset;
      o = o.backing;
    }
  }
  return n;
}
