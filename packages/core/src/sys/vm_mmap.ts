import { type Inherit, PAGE_SIZE, VM_PROT_ALL } from '../abi/constants.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY, VmMapEntry } from '../map/VmMapEntry.ts';
import { vmMapInsert } from '../map/vmMapMerge.ts';
import { KernResult, vmMapDelete, vmMapDeleteMustWait, vmMapInherit, vmMapProtect, vmMapSync, vmMapUnwire, vmMapWire } from '../map/vmMapOps.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { KGen, Run } from '../sched/KGen.ts';
import { lockOwner, withMapLock, withMapLockSleeping, withMapLockWhen } from '../map/vmMapLock.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { FileRecord } from '../vm/VmContext.ts';
import type { EntryFlagsContext } from './ArchOps.ts';
import type { Kernel } from './Kernel.ts';
import { entryFlags } from './mdDispatch.ts';
import { emitMadvise, emitMmap, emitMsync, emitProtect } from '../events/emit.ts';

/**
 * The mmap family of system calls (FreeBSD sys/vm/vm_mmap.c: kern_mmap, kern_munmap,
 * kern_mprotect, kern_minherit, kern_mlock, kern_munlock, kern_msync, kern_madvise):
 * argument checks and errnos by ABI, then the map layer (map/vmMapOps.ts).
 */

/** mmap arguments, normalised (addresses resolved, prot as bits plus the MD extra part). */
export interface MmapArgs {
  addr?: number;
  len: number;
  prot: number;
  protExtra: string;
  flags: readonly string[] | number;
  /** The calling thread (for MD entry flags that depend on it). */
  thread?: Thread;
  file?: string;
  offset?: number;
}

const MMAP_FLAG_BITS: Record<string, Record<string, number>> = {
  freebsd: { shared: 0x1, private: 0x2, fixed: 0x10, anon: 0x1000, excl: 0x4000 },
  openbsd: { shared: 0x1, private: 0x2, fixed: 0x10, anon: 0x1000, excl: 0x800 },
  linux: { shared: 0x1, private: 0x2, fixed: 0x10, anon: 0x20, excl: 0x100000 },
};

/** The first mmap placement hint (SCENARIO.md: first fit upward from here). */
export const MMAP_BASE = 0x10000000;

function flagBits(abi: string, flags: readonly string[] | number): number {
  if (typeof flags === 'number') return flags;
  const tab = MMAP_FLAG_BITS[abi] ?? MMAP_FLAG_BITS.freebsd!;
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

/** mmap (kern_mmap / vm_mmap_object): the map work under the map's exclusive lock. */
export function mmap(k: Kernel, p: Process, a: MmapArgs): Run<Outcome> {
  const abi = k.abi;
  const tab = MMAP_FLAG_BITS[abi] ?? MMAP_FLAG_BITS.freebsd!;
  const fl = flagBits(abi, a.flags);
  const shared = (fl & tab.shared!) !== 0;
  const priv = (fl & tab.private!) !== 0;
  const anon = (fl & tab.anon!) !== 0;
  const fixed = (fl & tab.fixed!) !== 0;
  const excl = (fl & tab.excl!) !== 0;
  if (a.len <= 0 || shared === priv) return errno('EINVAL');
  if (excl && !fixed && abi !== 'linux') return errno('EINVAL');
  if ((a.prot & ~VM_PROT_ALL) !== 0) return errno('EINVAL');
  const offset = a.offset ?? 0;
  if (offset % PAGE_SIZE !== 0) return errno('EINVAL');
  if (anon && a.file !== undefined) return errno('EINVAL');
  if (!anon && a.file === undefined) return errno('EBADF');
  const md = entryFlags(k, a.protExtra, 0, 'mmap', { p, ...(a.thread !== undefined ? { t: a.thread } : {}), prot: a.prot });
  if (md === undefined) return errno('EINVAL');
  const len = Math.ceil(a.len / PAGE_SIZE) * PAGE_SIZE;
  let fileRec: FileRecord | undefined;
  if (a.file !== undefined) {
    fileRec = k.files.get(a.file);
    if (fileRec === undefined) return errno('ENOENT');
    if (fileRec.file.revoked) return errno('ENXIO');
  }
  const vms = p.vmspace;
  // MAP_FIXED over a mapping deletes it first (vm_map_delete may sleep on a busy page).
  const over = fixed || (excl && abi === 'linux') ? a.addr : undefined;
  const ready = () => over === undefined || !vmMapDeleteMustWait(k.vm, vms, over, over + len);
  return withMapLockWhen(vms.map, lockOwner(p.pid, a.thread?.tid ?? 0), ready, 'vm_object_page_remove: page busy', () =>
    mmapLocked(k, p, a, vms, len, offset, shared, priv, fixed, excl, md, fileRec),
  );
}

/** vm_mmap_object's map part (vm_map_find / vm_map_fixed), with the map locked. */
function mmapLocked(
  k: Kernel,
  p: Process,
  a: MmapArgs,
  vms: Vmspace,
  len: number,
  offset: number,
  shared: boolean,
  priv: boolean,
  fixed: boolean,
  excl: boolean,
  md: number,
  fileRec: FileRecord | undefined,
): Outcome {
  const abi = k.abi;
  const map = vms.map;
  const vm = k.vm;
  let start: number;
  if (fixed || (excl && abi === 'linux')) {
    if (a.addr === undefined || a.addr % PAGE_SIZE !== 0) return errno('EINVAL');
    start = a.addr;
    if (start < map.min || start + len > map.max) return errno('EINVAL');
    if (excl && map.intersects(start, start + len)) return errno(abi === 'linux' ? 'EEXIST' : 'ENOMEM');
    if (map.intersects(start, start + len)) vmMapDelete(vm, vms, start, start + len);
  } else {
    const hint = a.addr !== undefined && a.addr !== 0 ? a.addr - (a.addr % PAGE_SIZE) : MMAP_BASE;
    start = map.findSpace(hint, len);
    if (start < 0 && hint !== MMAP_BASE) start = map.findSpace(MMAP_BASE, len);
    if (start < 0) return errno('ENOMEM');
  }
  const e = new VmMapEntry(start, start + len, a.prot, VM_PROT_ALL, shared ? 'share' : 'copy');
  e.shared = shared;
  e.mdFlags = md;
  if (fileRec !== undefined) {
    e.file = fileRec.file;
    e.object = fileRec.object;
    e.offset = offset / PAGE_SIZE;
    vm.objects.reference(fileRec.object);
    if (priv) e.eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
  } else if (shared) {
    const o = vm.objects.allocate('anon', len / PAGE_SIZE, vm.anonPager);
    o.flags = 0;
    e.object = o;
  }
  vmMapInsert(vm, vms, e);
  emitMmap(k.bus, p.pid, vms.pmap, start, start + len, a.prot, md);
  return { ok: true, addr: start };
}

/** munmap (kern_munmap): a logical unmap of the range (vm_map_delete). */
export function munmap(k: Kernel, p: Process, addr: number, len: number, t?: Thread): Run<Outcome> {
  if (addr % PAGE_SIZE !== 0 || len <= 0) return errno('EINVAL');
  const r = range(k, addr, len);
  if (r === undefined || r[0] < p.vmspace.map.min) return errno('EINVAL');
  // vm_map_remove: lock, vm_map_delete (which sleeps on a page busy for I/O it must
  // remove), unlock.
  const vms = p.vmspace;
  const ready = () => !vmMapDeleteMustWait(k.vm, vms, r[0], r[1]);
  return withMapLockWhen(vms.map, lockOwner(p.pid, t?.tid ?? 0), ready, 'vm_object_page_remove: page busy', () => {
    vmMapDelete(k.vm, vms, r[0], r[1]);
    return OK;
  });
}

/** mprotect (kern_mprotect): the MD extra part of prot goes through the arch modules. */
export function mprotect(k: Kernel, p: Process, addr: number, len: number, prot: number, protExtra: string, t?: Thread): Run<Outcome> {
  if (addr % PAGE_SIZE !== 0) return errno('EINVAL');
  if ((prot & ~VM_PROT_ALL) !== 0) return errno('EINVAL');
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
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), true, () => {
    const kr = vmMapProtect(k.vm, p.vmspace, r[0], r[1], prot, md);
    if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
    if (kr === KernResult.ProtectionFailure) return errno('EACCES');
    emitProtect(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], prot);
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
  // vm_map_sync looks the range up under the read lock.
  return withMapLock(p.vmspace.map, lockOwner(p.pid, t?.tid ?? 0), false, () => {
    const kr = vmMapSync(k.vm, p.vmspace, r[0], r[1], inval);
    if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
    if (kr === KernResult.InvalidArgument) return errno('EBUSY');
    emitMsync(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], inval);
    return OK;
  });
}

/** madvise (kern_madvise → vm_map_madvise; the XNU advice where the madvise policy binds it). */
export function* madvise(k: Kernel, p: Process, t: Thread, addr: number, len: number, advice: string): KGen<Outcome> {
  if (addr % PAGE_SIZE !== 0) return errno('EINVAL');
  const r = range(k, addr, len);
  if (r === undefined || r[0] < p.vmspace.map.min) return errno('EINVAL');
  // vm_map_madvise takes the read lock for advice that touches pages, not entries.
  const out = yield* withMapLockSleeping(p.vmspace.map, lockOwner(p.pid, t.tid), false, () => k.madvisePolicy.madvise(k.vm, p, t, r[0], r[1], advice));
  if (out.ok === true) emitMadvise(k.bus, p.pid, p.vmspace.pmap, r[0], r[1], advice);
  return out;
}
