import { PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import type { Outcome } from '../abi/outcome.ts';
import { MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY } from '../map/VmMapEntry.ts';
import { vmMapRangeImmutable } from '../map/vmMapImmutable.ts';
import { clipRangeEntry, vmMapDelete } from '../map/vmMapOps.ts';
import { lockOwner, withMapLockSleeping } from '../map/vmMapLock.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen, Run } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { emitMmap, emitPmapRemove } from '../events/emit.ts';

/** Linux mremap flags (include/uapi/linux/mman.h). */
export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

export interface MremapArgs {
  addr: number;
  oldLen: number;
  newLen: number;
  flags: number;
  newAddr?: number;
}

const roundUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/**
 * mremap (Linux mm/mremap.c: the syscall, mremap_to, vma_expandable, move_vma with
 * move_page_tables). Shrinking unmaps the tail; growing extends in place when the space
 * after is free, else moves with MREMAP_MAYMOVE (ENOMEM without); MREMAP_FIXED moves to
 * new_addr, unmapping what was there; MREMAP_DONTUNMAP leaves the old range mapped but
 * empty (a private anonymous mapping: its next touch reads zero).
 *
 * A move carries the entry (object, offset, protection, keys and BTI in mdFlags, COW and
 * needs-copy state, wiring) and its translations: each present PTE is entered at the new
 * address with the rights it had and the old one cleared, under the page-table lock (PTL);
 * when the TLBs of the old range are invalidated is `mremap.tlb_flush` (CVE-2018-18281):
 * before the PTL is dropped (the fix), or after (the bug). Dropping the PTL at the end of
 * the extent is a scheduling point (move_page_tables' cond_resched).
 *
 * The whole call holds the map lock exclusively (mmap_write_lock_killable in the syscall),
 * so a fault of the same process sleeps until the move is done; the rmap walks of truncate
 * and reclaim do not take it.
 *
 * Conditions: the old range lies in one entry (EFAULT otherwise); sealed entries, at the old
 * range or under a fixed target, refuse (EPERM).
 */
export function mremap(k: Kernel, p: Process, a: MremapArgs, placeFrom: number, t?: Thread): Run<Outcome> {
  const { addr, flags } = a;
  if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0) return k.errno('EINVAL');
  if ((flags & MREMAP_FIXED) !== 0 && (flags & MREMAP_MAYMOVE) === 0) return k.errno('EINVAL');
  if (addr % PAGE_SIZE !== 0) return k.errno('EINVAL');
  return withMapLockSleeping(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), true, () => mremapLocked(k, p, a, placeFrom));
}

function* mremapLocked(k: Kernel, p: Process, a: MremapArgs, placeFrom: number): KGen<Outcome> {
  const vms = p.vmspace;
  const map = vms.map;
  const { addr, flags } = a;
  if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0) return k.errno('EINVAL');
  if ((flags & MREMAP_FIXED) !== 0 && (flags & MREMAP_MAYMOVE) === 0) return k.errno('EINVAL');
  const dontUnmap = (flags & MREMAP_DONTUNMAP) !== 0;
  if (dontUnmap && ((flags & MREMAP_MAYMOVE) === 0 || a.oldLen !== a.newLen)) return k.errno('EINVAL');
  if (addr % PAGE_SIZE !== 0) return k.errno('EINVAL');
  const oldLen = roundUp(a.oldLen);
  const newLen = roundUp(a.newLen);
  if (newLen === 0 || !Number.isFinite(newLen)) return k.errno('EINVAL');
  if (oldLen === 0) return k.errno('EINVAL'); // duplicating a shared mapping is not modelled
  if (addr + oldLen > map.max) return k.errno('EINVAL');
  if (vmMapRangeImmutable(map, addr, addr + oldLen)) return k.errno('EPERM');

  if ((flags & MREMAP_FIXED) !== 0) {
    const to = a.newAddr ?? 0;
    if (to % PAGE_SIZE !== 0) return k.errno('EINVAL');
    if (newLen > map.max || to > map.max - newLen || to < map.min) return k.errno('EINVAL');
    // The old and new ranges may not overlap.
    if (addr < to + newLen && to < addr + oldLen) return k.errno('EINVAL');
    const at = map.entryAt(addr);
    if (at === undefined || at.end < addr + Math.min(oldLen, newLen)) return k.errno('EFAULT');
    if (vmMapRangeImmutable(map, to, to + newLen)) return k.errno('EPERM');
    if (dontUnmap && !movableDontUnmap(k, vms, addr)) return k.errno('EINVAL');
    vmMapDelete(k.vm, vms, to, to + newLen);
    let len = oldLen;
    if (oldLen > newLen) {
      vmMapDelete(k.vm, vms, addr + newLen, addr + oldLen);
      len = newLen;
    }
    return yield* moveRange(k, p, addr, len, to, newLen, dontUnmap);
  }

  // Shrinking in place (the tail is unmapped), or the same size.
  if (oldLen >= newLen && !dontUnmap) {
    if (oldLen > newLen) vmMapDelete(k.vm, vms, addr + newLen, addr + oldLen);
    return { ok: true, addr };
  }
  const e = map.entryAt(addr);
  if (e === undefined) return k.errno('EFAULT');
  if (e.end < addr + oldLen) return k.errno('EFAULT');
  if (dontUnmap && !movableDontUnmap(k, vms, addr)) return k.errno('EINVAL');
  // Growing in place: the old range ends the entry and the space after is free.
  if (!dontUnmap && e.end === addr + oldLen && !map.intersects(addr + oldLen, addr + newLen) && addr + newLen <= map.max) {
    e.end = addr + newLen;
    const o = e.object;
    if (o?.isAnon && o.size < e.offset + e.pages) o.size = e.offset + e.pages;
    map.timestamp++;
    emitMmap(k.bus, p.pid, vms.pmap, addr + oldLen, addr + newLen, e.prot, e.mdFlags);
    return { ok: true, addr };
  }
  if ((flags & MREMAP_MAYMOVE) === 0) return k.errno('ENOMEM');
  const to = map.findSpace(placeFrom, newLen);
  if (to < 0) return k.errno('ENOMEM');
  return yield* moveRange(k, p, addr, oldLen, to, newLen, dontUnmap);
}

/** MREMAP_DONTUNMAP is modelled for private anonymous mappings. */
function movableDontUnmap(k: Kernel, vms: Vmspace, addr: number): boolean {
  const e = vms.map.entryAt(addr);
  return e !== undefined && e.file === null && !e.shared && k !== undefined;
}

/**
 * move_vma: the entry's part [from, from + len) becomes [to, to + newLen) (newLen >= len:
 * the rest extends the object), translations carried, the old range's removed.
 */
function* moveRange(k: Kernel, p: Process, from: number, len: number, to: number, newLen: number, dontUnmap: boolean): KGen<Outcome> {
  const vms = p.vmspace;
  const map = vms.map;
  const e = clipRangeEntry(k.vm, vms, from, from + len)!;
  const ne = e.clone();
  ne.start = to;
  ne.end = to + newLen;
  const o = e.object;
  if (o?.isAnon && o.size < ne.offset + ne.pages) o.size = ne.offset + ne.pages;
  // The translations move: each present PTE is entered at its new address with its rights.
  const moves: [number, number, number][] = [];
  vms.pmap.forEachMapping(from, from + len, (va, frame, writable) => {
    const pte = vms.pmap.pte(va);
    let prot = VM_PROT_READ | (writable ? VM_PROT_WRITE : 0) | (pte?.executable === true ? VM_PROT_EXECUTE : 0);
    prot &= e.prot | VM_PROT_READ;
    moves.push([va - from + to, frame, prot]);
  });
  // move_ptes under the PTL: the old range's translations are cleared. With the fix (and for
  // a dirty PTE before it) the TLBs are flushed before the PTL is dropped; with the bug a
  // clean range's flush waits for the end of move_page_tables, past the PTL and the
  // cond_resched below, while other CPUs keep their cached translations of it.
  const pmap = vms.pmap;
  let deferred = false;
  if (moves.length > 0 && pmap.removeDeferred !== undefined && !k.mremapPolicy.flushUnderPtl(moves.some(([, f]) => k.pages.isModified(f)))) {
    emitPmapRemove(k.bus, pmap, from, from + len, 'mremap');
    pmap.removeDeferred(from, from + len);
    deferred = true;
  } else {
    k.pmapRemove(vms, from, from + len, 'mremap');
  }
  if (dontUnmap) {
    // The old entry stays, empty: a private anonymous range that zero-fills again.
    e.object = null;
    e.offset = 0;
    e.eflags &= ~(MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
    ne.wiredCount = 0;
    e.wiredCount = 0;
  } else {
    map.remove(e);
  }
  map.insert(ne);
  for (const [va, frame, prot] of moves) k.pmapEnter(vms, va, frame, prot, ne.wiredCount > 0);
  emitMmap(k.bus, p.pid, vms.pmap, to, to + newLen, ne.prot, ne.mdFlags);
  k.counters.add('mremap.moves');
  if (moves.length > 0) {
    // The PTL is dropped; move_page_tables may reschedule before its next extent.
    yield { reason: 'mremap: move_ptes dropped the PTL' };
    // need_flush: flush_tlb_range of the old range once every extent is moved.
    if (deferred) pmap.flushDeferred?.(from, from + len);
  }
  return { ok: true, addr: to };
}
