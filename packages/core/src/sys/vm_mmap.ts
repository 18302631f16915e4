import { type Inherit, PAGE_SIZE, VM_PROT_ALL, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { MMAP_FLAG_NAMES, type MmapPlan, mmapCheck } from '../abi/mmapArgs.ts';
import { vmMapRangeImmutable, vmMapSetImmutable } from '../map/vmMapImmutable.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY, VmMapEntry } from '../map/VmMapEntry.ts';
import { vmMapInsert } from '../map/vmMapMerge.ts';
import { KernResult, vmMapDelete, vmMapDeleteMustWait, vmMapInherit, vmMapProtect, vmMapSync, vmMapUnwire, vmMapWire } from '../map/vmMapOps.ts';
import type { Process, Thread } from '../proc/Process.ts';
import { type KGen, type Run, isKGen, runSerial, settle } from '../sched/KGen.ts';
import { populate, wireNewMapping } from './vm_mlock.ts';
import { uvmMapCleanFree, uvmMapCleanSync } from './uvm_map_clean.ts';
import { lockOwner, withMapLock, withMapLockSleeping, withMapLockWhen } from '../map/vmMapLock.ts';
import { vmaReadLockedIn } from '../map/vmaLock.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { FileRecord } from '../vm/VmContext.ts';
import type { EntryFlagsContext } from './ArchOps.ts';
import type { Kernel } from './Kernel.ts';
import { entryFlags } from './mdDispatch.ts';
import { emitMadvise, emitMmap, emitMsync, emitProtect } from '../events/emit.ts';

/**
 * The mmap family of system calls (FreeBSD sys/vm/vm_mmap.c: kern_mmap, kern_munmap,
 * kern_mprotect, kern_minherit, kern_mlock, kern_munlock, kern_msync, kern_madvise):
 * argument checks and errnos by ABI (docs/abi/), then the map layer (map/vmMapOps.ts);
 * OpenBSD's mimmutable and Linux's mseal (map/vmMapImmutable.ts).
 */

/** mmap arguments, normalised (addresses resolved, prot as bits plus the MD extra part). */
export interface MmapArgs {
  /** Exact 64-bit values: a bigint at or above 2^53. */
  addr?: number | bigint;
  len: number | bigint;
  prot: number;
  protExtra: string;
  flags: readonly string[] | number;
  /** The calling thread (for MD entry flags that depend on it). */
  thread?: Thread;
  file?: string;
  offset?: number | bigint;
}

/** The first mmap placement hint (SCENARIO.md: first fit upward from here). */
export const MMAP_BASE = 0x10000000;

/** A flag list as the ABI's bits; a name the ABI does not have sets no bit. */
function flagBits(abi: string, flags: readonly string[] | number): number {
  if (typeof flags === 'number') return flags;
  const tab = MMAP_FLAG_NAMES[abi] ?? MMAP_FLAG_NAMES.freebsd!;
  let b = 0;
  for (const f of flags) b |= tab[f] ?? 0;
  return b;
}

/** Page-aligns [addr, addr+len) as the BSD system calls do; undefined if it leaves user space. */
function range(k: Kernel, addr: number, len: number): [number, number] | undefined {
  const s = addr - (addr % PAGE_SIZE);
  const e = Math.ceil((addr + len) / PAGE_SIZE) * PAGE_SIZE;
  if (len < 0 || s < 0 || e > k.userTop || e < s) return undefined;
  return [s, e];
}

/** Whether W^X refuses prot here (`mmap.wx: refuse`), and the errno the ABI gives. */
function wxRefused(k: Kernel, prot: number): Outcome | undefined {
  if ((prot & (VM_PROT_WRITE | VM_PROT_EXECUTE)) !== (VM_PROT_WRITE | VM_PROT_EXECUTE)) return undefined;
  if (k.config.policies['mmap.wx'] !== 'refuse') return undefined;
  return errno(k.abi === 'openbsd' ? 'ENOTSUP' : 'EACCES');
}

/** Runs `then` on a Run's value once it has one (at once, or after the continuation). */
function andThen<T>(r: Run<T>, then: (v: T) => T): Run<T> {
  if (!isKGen(r)) return then(r);
  return (function* () {
    return then(yield* settle(r));
  })();
}

/**
 * mmap: the ABI's argument checks (abi/mmapArgs.ts: FreeBSD kern_mmap, Linux do_mmap,
 * OpenBSD sys_mmap), W^X under `mmap.wx: refuse`, then vm_mmap_object under the map's
 * exclusive lock: a fixed request replaces what it overlaps unless it must not (EEXIST under
 * Linux, ENOMEM on the BSDs) or an entry there is immutable (EPERM); otherwise first fit
 * from the hint. The result is the mapping's start plus the file offset's position within
 * its page. After the lock: Linux MAP_POPULATE / MAP_LOCKED and mlockall(MCL_FUTURE).
 */
export function mmap(k: Kernel, p: Process, a: MmapArgs): Run<Outcome> {
  const vms = p.vmspace;
  const map = vms.map;
  const chk = mmapCheck(
    k.abi,
    {
      addr: BigInt(a.addr ?? 0),
      len: BigInt(a.len),
      prot: a.prot,
      flags: flagBits(k.abi, a.flags),
      hasFile: a.file !== undefined,
      offset: BigInt(a.offset ?? 0),
    },
    { min: map.min, max: map.max },
  );
  if ('errno' in chk) return errno(chk.errno);
  const pl = chk.plan;
  const wx = wxRefused(k, pl.prot);
  if (wx !== undefined) return wx;
  const md = entryFlags(k, a.protExtra, 0, 'mmap', { p, ...(a.thread !== undefined ? { t: a.thread } : {}), prot: pl.prot });
  if (md === undefined) return errno('EINVAL');
  let fileRec: FileRecord | undefined;
  if (!pl.anon) {
    fileRec = k.files.get(a.file!);
    if (fileRec === undefined) return errno('ENOENT');
    if (fileRec.file.revoked) return errno('ENXIO');
  }
  // MAP_FIXED over a mapping deletes it first (vm_map_delete may sleep on a busy page;
  // under per-VMA locks the areas it removes are write-locked, as munmap's are).
  const vmaLocks = k.vm.faultLock.vmaLock;
  const ready = () =>
    !pl.fixed || (!vmMapDeleteMustWait(k.vm, vms, pl.start, pl.start + pl.size) && !(vmaLocks && vmaReadLockedIn(map, pl.start, pl.start + pl.size)));
  const out = withMapLockWhen(map, lockOwner(p.pid, a.thread?.tid ?? 0), ready, 'vm_object_page_remove: page busy', () =>
    mmapLocked(k, p, vms, pl, md, fileRec),
  );
  const t = a.thread;
  if (t === undefined || !(pl.populate || pl.locked || vms.wireFuture !== '')) return out;
  return andThen(out, (o) => {
    if (o.ok !== true) return o;
    const start = Number(o.addr) - pl.pageoff;
    if (pl.populate || pl.locked) runSerial(populate(k, p, t, start, start + pl.size, (pl.prot & VM_PROT_WRITE) !== 0 && !pl.shared, false));
    runSerial(wireNewMapping(k, p, t, start, start + pl.size, pl.locked));
    return o;
  });
}

/** vm_mmap_object's map part (vm_map_find / vm_map_fixed), with the map locked. */
function mmapLocked(k: Kernel, p: Process, vms: Vmspace, pl: MmapPlan, md: number, fileRec: FileRecord | undefined): Outcome {
  const map = vms.map;
  const vm = k.vm;
  const len = pl.size;
  let start: number;
  if (pl.fixed) {
    start = pl.start;
    const overlaps = map.intersects(start, start + len);
    if (pl.noReplace && overlaps) return errno(k.abi === 'linux' ? 'EEXIST' : 'ENOMEM');
    if (overlaps && vmMapRangeImmutable(map, start, start + len)) return errno('EPERM');
    if (overlaps) vmMapDelete(vm, vms, start, start + len);
  } else {
    const hint = pl.start !== 0 ? pl.start : MMAP_BASE;
    start = map.findSpace(hint, len);
    if (start < 0 && hint !== MMAP_BASE) start = map.findSpace(MMAP_BASE, len);
    if (start < 0) return errno('ENOMEM');
  }
  const e = new VmMapEntry(start, start + len, pl.prot, pl.maxProt, pl.shared ? 'share' : 'copy');
  e.shared = pl.shared;
  e.mdFlags = md;
  if (fileRec !== undefined) {
    e.file = fileRec.file;
    e.object = fileRec.object;
    e.offset = pl.pindex;
    vm.objects.reference(fileRec.object);
    if (!pl.shared) e.eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
  } else if (pl.shared) {
    const o = vm.objects.allocate('anon', len / PAGE_SIZE, vm.anonPager);
    o.flags = 0;
    e.object = o;
  }
  vmMapInsert(vm, vms, e);
  emitMmap(k.bus, p.pid, vms.pmap, start, start + len, pl.prot, md);
  return { ok: true, addr: start + pl.pageoff };
}

/**
 * munmap: FreeBSD kern_munmap (an unaligned address is rounded down, a zero length is
 * EINVAL), Linux __vm_munmap (the address must be aligned; sealed entries: EPERM), OpenBSD
 * sys_munmap (the whole range must be mapped, else EINVAL; immutable entries: EPERM). The
 * range is computed in 64-bit arithmetic: one that wraps or leaves user space is EINVAL.
 * vm_map_remove: lock, vm_map_delete, unlock.
 */
export function munmap(k: Kernel, p: Process, addr: number | bigint, len: number | bigint, t?: Thread): Run<Outcome> {
  const map = p.vmspace.map;
  const A = BigInt(addr);
  const L = BigInt(len);
  const P = BigInt(PAGE_SIZE);
  if (k.abi === 'linux' && A % P !== 0n) return errno('EINVAL');
  if (L === 0n && k.abi !== 'openbsd') return errno('EINVAL');
  const s0 = A - (A % P);
  const e0 = ((A + L + P - 1n) / P) * P;
  if (e0 > 1n << 64n || e0 > BigInt(k.userTop) || s0 < BigInt(map.min)) return errno('EINVAL');
  const s = Number(s0);
  const end = Number(e0);
  if (s === end) return OK;
  // vm_map_remove: lock, vm_map_delete (which sleeps on a page busy for I/O it must
  // remove), unlock.
  const vms = p.vmspace;
  // Under per-VMA locks (fault.lock vma_lock*) the detach loop also write-locks each area
  // (vma_start_write), waiting for a fault that sleeps under its read lock.
  const vmaLocks = k.vm.faultLock.vmaLock;
  const ready = vmaLocks ? () => !vmMapDeleteMustWait(k.vm, vms, s, end) && !vmaReadLockedIn(map, s, end) : () => !vmMapDeleteMustWait(k.vm, vms, s, end);
  const why = vmaLocks && vmaReadLockedIn(map, s, end) ? 'vma_start_write: area read-locked' : 'vm_object_page_remove: page busy';
  return withMapLockWhen(map, lockOwner(p.pid, t?.tid ?? 0), ready, why, () => {
    if (k.abi === 'openbsd' && !map.covered(s, end)) return errno('EINVAL');
    if (vmMapRangeImmutable(map, s, end)) return errno('EPERM');
    vmMapDelete(k.vm, vms, s, end);
    return OK;
  });
}

/**
 * mprotect: FreeBSD kern_mprotect (PROT_MAX bits allowed; an unaligned start is rounded
 * down), Linux do_mprotect_pkey (aligned start; unknown bits EINVAL; sealed: EPERM),
 * OpenBSD sys_mprotect (W^X; immutable entries: EPERM, except read-write to read-only).
 * The MD extra part of prot goes through the arch modules.
 */
export function mprotect(k: Kernel, p: Process, addr: number, len: number, prot: number, protExtra: string, t?: Thread): Run<Outcome> {
  if (k.abi === 'linux' && addr % PAGE_SIZE !== 0) return errno('EINVAL');
  const known = k.abi === 'freebsd' ? VM_PROT_ALL | (VM_PROT_ALL << 16) : VM_PROT_ALL;
  if ((prot & ~known) !== 0) return errno('EINVAL');
  prot &= VM_PROT_ALL;
  const wx = wxRefused(k, prot);
  if (wx !== undefined) return wx;
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  if (r[0] === r[1]) return OK;
  let md: ((e: VmMapEntry) => number) | null = null;
  if (protExtra !== '' || k.archOps.some((a) => a.entryFlags !== undefined)) {
    const probe = entryFlags(k, protExtra, 0, 'mprotect');
    if (probe === undefined) return errno('EINVAL');
    const ctx: EntryFlagsContext = { p, ...(t !== undefined ? { t } : {}), prot };
    md = (e) => entryFlags(k, protExtra, e.mdFlags, 'mprotect', ctx) ?? e.mdFlags;
  }
  const map = p.vmspace.map;
  // OpenBSD uvm_map_protect: under mlockall(MCL_FUTURE), a PROT_NONE range made accessible is wired.
  const wireAfter: [number, number][] = [];
  // Under per-VMA locks mprotect_fixup write-locks each area it changes (vma_start_write),
  // waiting for a fault that sleeps under its read lock.
  const work = () => {
    for (let e = map.ceil(r[0]); e !== null && e.start < r[1]; e = e.next) {
      // OpenBSD lets an immutable read-write entry become read-only (a data-locking idiom).
      if (e.immutable && !(k.abi === 'openbsd' && e.prot === (VM_PROT_READ | VM_PROT_WRITE) && prot === VM_PROT_READ)) return errno('EPERM');
    }
    if (k.abi === 'openbsd' && p.vmspace.wireFuture !== '' && prot !== 0) {
      for (let e = map.ceil(r[0]); e !== null && e.start < r[1]; e = e.next) {
        if (e.prot === 0 && e.wiredCount === 0) wireAfter.push([Math.max(r[0], e.start), Math.min(r[1], e.end)]);
      }
    }
    const kr = vmMapProtect(k.vm, p.vmspace, r[0], r[1], prot, md);
    if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
    if (kr === KernResult.ProtectionFailure) return errno('EACCES');
    emitProtect(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], prot);
    return OK;
  };
  const owner = lockOwner(p.pid, t?.tid ?? 0);
  const out: Run<Outcome> = k.vm.faultLock.vmaLock
    ? withMapLockWhen(map, owner, () => !vmaReadLockedIn(map, r[0], r[1]), 'vma_start_write: area read-locked', work)
    : withMapLock(map, owner, true, work);
  if (t === undefined) return out;
  return andThen(out, (o) => {
    for (const [s, e] of wireAfter) runSerial(wireNewMapping(k, p, t, s, e, false));
    return o;
  });
}

/**
 * mimmutable (OpenBSD sys_mimmutable / uvm_map_immutable): marks the mapped parts of the
 * range immutable; holes are skipped.
 */
export function mimmutable(k: Kernel, p: Process, addr: number, len: number, t?: Thread): Run<Outcome> {
  if (k.abi !== 'openbsd') return errno('ENOSYS');
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), true, () => {
    vmMapSetImmutable(k.vm, p.vmspace, r[0], r[1]);
    return OK;
  });
}

/**
 * mseal (Linux do_mseal, mm/mseal.c): flags must be 0 and the start aligned (EINVAL); the
 * whole range must be mapped (ENOMEM), checked before anything is sealed.
 */
export function mseal(k: Kernel, p: Process, addr: number, len: number, flags: number, t?: Thread): Run<Outcome> {
  if (k.abi !== 'linux') return errno('ENOSYS');
  if (flags !== 0 || addr % PAGE_SIZE !== 0) return errno('EINVAL');
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  if (r[0] === r[1]) return OK;
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), true, () => {
    if (!p.vmspace.map.covered(r[0], r[1])) return errno('ENOMEM');
    vmMapSetImmutable(k.vm, p.vmspace, r[0], r[1]);
    return OK;
  });
}

/** minherit (kern_minherit). */
export function minherit(k: Kernel, p: Process, addr: number, len: number, inherit: Inherit, t?: Thread): Run<Outcome> {
  if (addr % PAGE_SIZE !== 0) return errno('EINVAL');
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), true, () => {
    vmMapInherit(k.vm, p.vmspace, r[0], r[1], inherit);
    return OK;
  });
}

/** mlock (kern_mlock → vm_map_wire). */
export function* mlock(k: Kernel, p: Process, t: Thread, addr: number, len: number): KGen<Outcome> {
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  if (r[0] === r[1]) return OK;
  // vm_map_wire holds the map against other changes while it faults the pages in (FreeBSD
  // marks the entries in transition and drops the lock; here the lock stays held).
  const kr = yield* withMapLockSleeping(p.vmspace.map, lockOwner(p.pid, t.tid), true, () => vmMapWire(k.vm, p.vmspace, r[0], r[1], t.tid));
  if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
  if (kr !== KernResult.Success) return errno('EAGAIN');
  return OK;
}

/** munlock (kern_munlock → vm_map_unwire). */
export function munlock(k: Kernel, p: Process, addr: number, len: number, t?: Thread): Run<Outcome> {
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  if (r[0] === r[1]) return OK;
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), true, () => {
    const kr = vmMapUnwire(k.vm, p.vmspace, r[0], r[1]);
    return kr === KernResult.InvalidAddress ? errno('ENOMEM') : OK;
  });
}

/**
 * Raw msync flags by ABI: MS_ASYNC 1 and MS_INVALIDATE 2 everywhere; MS_SYNC is 0 on the
 * BSDs (the absence of MS_ASYNC) and 4 on Linux. Unknown bits: undefined (EINVAL).
 */
function msyncNames(bits: number, abi: string): string[] | undefined {
  const sync = abi === 'linux' ? 4 : 0;
  if ((bits & ~(1 | 2 | sync)) !== 0) return undefined;
  const out: string[] = [];
  if (bits & 1) out.push('async');
  if (bits & 2) out.push('invalidate');
  if (sync !== 0 && (bits & sync) !== 0) out.push('sync');
  return out;
}

/** msync (kern_msync → vm_map_sync). */
export function msync(k: Kernel, p: Process, addr: number, len: number, flags: readonly string[] | number, t?: Thread): Run<Outcome> {
  const names = typeof flags === 'number' ? msyncNames(flags, k.abi) : flags;
  if (names === undefined) return errno('EINVAL');
  const async = names.includes('async');
  const inval = names.includes('invalidate');
  if (addr % PAGE_SIZE !== 0) return errno('EINVAL');
  if (async && inval) return errno('EINVAL');
  if (async && names.includes('sync')) return errno('EINVAL');
  const r = range(k, addr, len);
  if (r === undefined) return errno('EINVAL');
  if (k.abi === 'openbsd') return uvmMsync(k, p, t, r[0], r[1], inval);
  // vm_map_sync looks the range up under the read lock.
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), false, () => {
    const kr = vmMapSync(k.vm, p.vmspace, r[0], r[1], inval);
    if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
    if (kr === KernResult.InvalidArgument) return errno('EBUSY');
    emitMsync(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], inval);
    return OK;
  });
}

/** msync's UVM path: uvm_map_clean (sys/uvm_map_clean.ts), which may sleep on busy pages. */
function* uvmMsync(k: Kernel, p: Process, t: Thread | undefined, start: number, end: number, inval: boolean): KGen<Outcome> {
  const kr = yield* uvmMapCleanSync(k.vm, p, t, start, end, inval);
  if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
  if (kr === KernResult.InvalidArgument) return errno('EBUSY');
  emitMsync(k.bus, p.pid, p.vmspace.pmap, start, end, inval);
  return OK;
}

/** madvise (kern_madvise → vm_map_madvise; the XNU advice where the madvise policy binds it). */
export function* madvise(k: Kernel, p: Process, t: Thread, addr: number, len: number, advice: string): KGen<Outcome> {
  if (addr % PAGE_SIZE !== 0) return errno('EINVAL');
  const r = range(k, addr, len);
  if (r === undefined || r[0] < p.vmspace.map.min) return errno('EINVAL');
  if (advice === 'populate_read' || advice === 'populate_write') {
    if (k.abi !== 'linux') return errno('EINVAL');
    const out = yield* populate(k, p, t, r[0], r[1], advice === 'populate_write', true);
    if (out.ok === true) emitMadvise(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], advice);
    return out;
  }
  if (advice === 'free' && k.abi === 'openbsd') {
    const out = yield* settle(withMapLock(p.vmspace.map, lockOwner(p.pid, t.tid), false, () => uvmMapCleanFree(k, p, r[0], r[1])));
    if (out.ok === true) emitMadvise(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], advice);
    return out;
  }
  // vm_map_madvise takes the read lock for advice that touches pages, not entries.
  const out = yield* withMapLockSleeping(p.vmspace.map, lockOwner(p.pid, t.tid), false, () => k.madvisePolicy.madvise(k.vm, p, t, r[0], r[1], advice));
  if (out.ok === true) emitMadvise(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], advice);
  return out;
}
