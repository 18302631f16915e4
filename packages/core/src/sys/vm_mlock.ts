import { Access, PAGE_SIZE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { FaultResult, vmFault } from '../fault/vmFault.ts';
import { MAP_ENTRY_LOCK_ONFAULT, MAP_ENTRY_USER_WIRED } from '../map/VmMapEntry.ts';
import { KernResult, clipRangeEntry, vmMapUnwire, vmMapWire } from '../map/vmMapOps.ts';
import type { Process, Thread } from '../proc/Process.ts';
import { type KGen, settle } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/**
 * Locking and prefaulting: mlockall / munlockall (FreeBSD kern_mlockall, OpenBSD
 * sys_mlockall, Linux mm/mlock.c), Linux mlock2(MLOCK_ONFAULT), and the prefault of
 * MAP_POPULATE and MADV_POPULATE_READ / MADV_POPULATE_WRITE (Linux mm/gup.c
 * populate_vma_page_range, faultin_page_range).
 */

/** MCL_CURRENT, MCL_FUTURE (every ABI), MCL_ONFAULT (Linux). */
const MCL_CURRENT = 1;
const MCL_FUTURE = 2;
const MCL_ONFAULT = 4;
/** mlock2's MLOCK_ONFAULT. */
const MLOCK_ONFAULT = 1;

/**
 * Whether the ABI's mlockall wires an entry of this protection: FreeBSD vm_map_wire skips
 * entries without read or execute (MAP_ENTRY_WIRE_SKIPPED); OpenBSD and vmlab's Linux skip
 * PROT_NONE only.
 */
function wirable(abi: string, prot: number): boolean {
  const need = abi === 'freebsd' ? VM_PROT_READ | VM_PROT_EXECUTE : VM_PROT_READ | VM_PROT_EXECUTE | VM_PROT_WRITE;
  return (prot & need) !== 0;
}

/** Marks [start, end)'s entries locked-on-fault, wiring the pages already mapped (mlock_fixup with VM_LOCKONFAULT). */
function lockOnFault(k: Kernel, p: Process, start: number, end: number): void {
  const vms = p.vmspace;
  const map = vms.map;
  for (let e = clipRangeEntry(k.vm, vms, start, end); e !== null && e.start < end; e = e.next) {
    if ((e.eflags & MAP_ENTRY_USER_WIRED) !== 0) continue;
    e.eflags |= MAP_ENTRY_USER_WIRED | MAP_ENTRY_LOCK_ONFAULT;
    e.wiredCount = 1;
    for (let va = e.start; va < e.end; va += PAGE_SIZE) {
      const f = vms.pmap.extract(va);
      if (f >= 0) k.mem.setWireCount(f, k.mem.wireCountOf(f) + 1);
    }
  }
  map.timestamp++;
}

/** Wires (or locks on fault) every wirable entry of [start, end), holes and PROT_NONE skipped. */
function* lockRange(k: Kernel, p: Process, t: Thread, start: number, end: number, onFault: boolean): KGen<Outcome> {
  const map = p.vmspace.map;
  const ranges: [number, number][] = [];
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    if (wirable(k.abi, e.prot)) ranges.push([Math.max(start, e.start), Math.min(end, e.end)]);
  }
  for (const [s, e] of ranges) {
    if (onFault) {
      lockOnFault(k, p, s, e);
      continue;
    }
    const kr = yield* vmMapWire(k.vm, p.vmspace, s, e, t.tid);
    if (kr === KernResult.NoSpace) return errno(k.abi === 'linux' ? 'ENOMEM' : 'EAGAIN');
    if (kr !== KernResult.Success && kr !== KernResult.ProtectionFailure) return errno(k.abi === 'linux' ? 'ENOMEM' : 'EAGAIN');
  }
  return OK;
}

/** mlockall: MCL_CURRENT wires every mapping now, MCL_FUTURE every later one. */
export function* mlockall(k: Kernel, p: Process, t: Thread, flags: number): KGen<Outcome> {
  const linux = k.abi === 'linux';
  const known = MCL_CURRENT | MCL_FUTURE | (linux ? MCL_ONFAULT : 0);
  if (flags === 0 || (flags & ~known) !== 0 || flags === MCL_ONFAULT) return errno('EINVAL');
  const onFault = (flags & MCL_ONFAULT) !== 0;
  const vms = p.vmspace;
  if ((flags & MCL_FUTURE) !== 0) vms.wireFuture = onFault ? 'onfault' : 'wire';
  else if (linux) vms.wireFuture = '';
  if ((flags & MCL_CURRENT) !== 0) return yield* lockRange(k, p, t, vms.map.min, vms.map.max, onFault);
  return OK;
}

/** munlockall: every mapping unwired, MCL_FUTURE cleared. */
export function munlockall(k: Kernel, p: Process): Outcome {
  const vms = p.vmspace;
  vms.wireFuture = '';
  for (const e of [...vms.map.entries]) {
    if ((e.eflags & MAP_ENTRY_USER_WIRED) !== 0) vmMapUnwire(k.vm, vms, e.start, e.end);
  }
  return OK;
}

/** mlock2 (Linux): flags 0 is mlock; MLOCK_ONFAULT locks pages as they fault in. */
export function* mlock2(k: Kernel, p: Process, t: Thread, start: number, end: number, flags: number): KGen<Outcome> {
  if (k.abi !== 'linux') return errno('ENOSYS');
  if ((flags & ~MLOCK_ONFAULT) !== 0) return errno('EINVAL');
  if (!p.vmspace.map.covered(start, end)) return errno('ENOMEM');
  if (flags === 0) {
    const kr = yield* vmMapWire(k.vm, p.vmspace, start, end, t.tid);
    if (kr === KernResult.InvalidAddress) return errno('ENOMEM');
    return kr === KernResult.Success ? OK : errno('EAGAIN');
  }
  lockOnFault(k, p, start, end);
  return OK;
}

/** The wiring a new mapping gets under mlockall(MCL_FUTURE) or MAP_LOCKED (vm_mmap_object's MAP_WIREFUTURE). */
export function* wireNewMapping(k: Kernel, p: Process, t: Thread, start: number, end: number, locked: boolean): KGen<void> {
  const mode = locked ? 'wire' : p.vmspace.wireFuture;
  if (mode === '') return;
  yield* lockRange(k, p, t, start, end, mode === 'onfault');
}

/**
 * Prefault [start, end) (populate_vma_page_range / faultin_page_range): every page faulted
 * in for read, or for write (breaking copy-on-write). `strict` (MADV_POPULATE_*): a hole is
 * ENOMEM and an entry without the right EINVAL; otherwise (MAP_POPULATE) such pages are
 * skipped. A fault that fails is EFAULT.
 */
export function* populate(k: Kernel, p: Process, t: Thread, start: number, end: number, write: boolean, strict: boolean): KGen<Outcome> {
  const vms = p.vmspace;
  const map = vms.map;
  if (strict && !map.covered(start, end)) return errno('ENOMEM');
  const need = write ? VM_PROT_WRITE : VM_PROT_READ;
  if (strict) {
    for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
      if ((e.prot & need) === 0) return errno('EINVAL');
    }
  }
  for (let va = start; va < end; va += PAGE_SIZE) {
    const e = map.entryAt(va);
    if (e === undefined || (e.prot & need) === 0) continue;
    const r = yield* settle(vmFault(k.vm, vms, va, write ? Access.Write : Access.Read, t.tid, 0));
    if (r !== FaultResult.Success) {
      if (strict) return errno(r === FaultResult.NoMemory ? 'ENOMEM' : 'EFAULT');
      break;
    }
  }
  return OK;
}
