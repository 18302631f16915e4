import { SleepLock } from '../sched/KGen.ts';
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
