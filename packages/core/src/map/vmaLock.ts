import { SleepLock } from '../sched/KGen.ts';
import type { VmMap } from './VmMap.ts';
import type { VmMapEntry } from './VmMapEntry.ts';

/**
 * Linux's per-VMA lock (include/linux/mm.h vma_start_read / vma_start_write, used under
 * `fault.lock: vma_lock` and `vma_lock_6_4`): the entry's own sleep lock.
 */
export function vmaLockOf(e: VmMapEntry): SleepLock {
  if (e.vmaLock === null) e.vmaLock = new SleepLock(`vma 0x${e.start.toString(16)}`);
  return e.vmaLock;
}

/** Whether a writer (fork's dup_mmap) holds the entry's lock: vma_start_read fails then. */
export function vmaWriteLocked(e: VmMapEntry): boolean {
  return e.vmaLock !== null && e.vmaLock.owner !== -1;
}

/**
 * lock_vma_under_rcu's test: a fault may go on under the area's lock instead of the map
 * lock when the policy has per-VMA locks, the area is private anonymous (6.4 handles only
 * those, vma_is_anonymous) and no writer holds it.
 */
export function vmaFaultable(e: VmMapEntry): boolean {
  return e.file === null && !e.shared && !vmaWriteLocked(e);
}

/**
 * Whether a fault holds the lock of an area in [start, end) for reading. A map writer that
 * changes or removes areas (munmap's detach loop in mm/mmap.c do_vmi_align_munmap,
 * mprotect_fixup in mm/mprotect.c) calls vma_start_write on each, which waits for such
 * readers; it holds mmap_lock for writing meanwhile, so no new fault gets past the map
 * lock, and a later vma_start_read fails on the write-locked area.
 */
export function vmaReadLockedIn(map: VmMap, start: number, end: number): boolean {
  for (let e = map.ceil(start); e !== null && e.start < end; e = e.next) {
    if (e.vmaLock !== null && e.vmaLock.shared > 0) return true;
  }
  return false;
}
