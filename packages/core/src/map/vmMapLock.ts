import type { KGen, Run } from '../sched/KGen.ts';
import type { VmMap } from './VmMap.ts';

/** The lock owner of a process's thread (as fork takes it): unique per thread of a machine. */
export function lockOwner(pid: number, tid: number): number {
  return tid + pid * 1000;
}

/**
 * vm_map_lock / vm_map_lock_read held around a system call's map work (FreeBSD
 * sys/vm/vm_map.c; vm_map_remove is lock + vm_map_delete + unlock). The exclusive lock
 * bumps the map's timestamp, so a fault that slept meanwhile sees the map changed. When the
 * lock is free the work runs at once and the value is returned (no generator on that path);
 * when another thread holds it (fork, or another system call that sleeps holding it), the
 * continuation sleeps until the lock can be had: a scheduling point `explore` sees.
 */
export function withMapLock<T>(map: VmMap, owner: number, exclusive: boolean, work: () => T): Run<T> {
  const lock = map.lock;
  if (exclusive ? lock.tryExclusive(owner) : lock.tryShared()) return holding(map, exclusive, work);
  return waitThenHold(map, owner, exclusive, work);
}

function* waitThenHold<T>(map: VmMap, owner: number, exclusive: boolean, work: () => T): KGen<T> {
  if (exclusive) yield* map.lock.lockExclusive(owner);
  else yield* map.lock.lockShared();
  return holding(map, exclusive, work);
}

function holding<T>(map: VmMap, exclusive: boolean, work: () => T): T {
  if (exclusive) map.timestamp++;
  try {
    return work();
  } finally {
    if (exclusive) map.lock.unlockExclusive();
    else map.lock.unlockShared();
  }
}

/**
 * withMapLock (exclusive) for work that must first wait, holding the lock, until `ready`
 * holds: vm_map_delete sleeping in vm_object_page_remove on a page that is busy for I/O.
 */
export function withMapLockWhen<T>(map: VmMap, owner: number, ready: () => boolean, reason: string, work: () => T): Run<T> {
  if (map.lock.tryExclusive(owner)) {
    map.timestamp++;
    if (ready()) return holding(map, true, work);
    return waitReadyThenHold(map, owner, true, ready, reason, work);
  }
  return waitReadyThenHold(map, owner, false, ready, reason, work);
}

function* waitReadyThenHold<T>(map: VmMap, owner: number, locked: boolean, ready: () => boolean, reason: string, work: () => T): KGen<T> {
  if (!locked) {
    yield* map.lock.lockExclusive(owner);
    map.timestamp++;
  }
  while (!ready()) yield { reason, until: ready };
  return holding(map, true, work);
}

/** The same for a system call whose map work may itself sleep (mlock's wiring faults, madvise). */
export function* withMapLockSleeping<T>(map: VmMap, owner: number, exclusive: boolean, work: () => KGen<T>): KGen<T> {
  if (exclusive) yield* map.lock.lockExclusive(owner);
  else yield* map.lock.lockShared();
  if (exclusive) map.timestamp++;
  try {
    return yield* work();
  } finally {
    if (exclusive) map.lock.unlockExclusive();
    else map.lock.unlockShared();
  }
}
