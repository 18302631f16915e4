import { FAULT_SOFT_FAST, FaultSoftFastPolicy, MAP_CLEAN_LOCK, MapCleanPolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `map_clean.lock: read_locked`, UVM before the fix of NetBSD PR kern/56952 (OpenBSD
 * uvm_map_clean until 2022): msync's flush sleeps on busy pages holding the map read lock.
 * With a fault holding a busy page and waiting to relock the map, and a writer queued on
 * the rwlock, no thread can go on (examples/races/uvm-map-clean-deadlock/).
 */
export const mapCleanReadLocked: MapCleanPolicy = { value: 'read_locked', holdsReadLock: true };

export const mapCleanReadLockedModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(MapCleanPolicy)) rebind<MapCleanPolicy>(MapCleanPolicy).toConstantValue(mapCleanReadLocked);
  else bind<MapCleanPolicy>(MapCleanPolicy).toConstantValue(mapCleanReadLocked);
});

export const mapCleanReadLockedBinding: PolicyBinding = { key: MAP_CLEAN_LOCK, value: 'read_locked', module: mapCleanReadLockedModule };

/**
 * `fault.soft_fast: unlock_first`, FreeBSD's vm_fault_soft_fast before D38527: the map
 * lock (vm_map_lookup_done) is released before the first object is unbusied
 * (examples/races/d38527-soft-fast/).
 */
export const faultSoftFastUnlockFirst: FaultSoftFastPolicy = { value: 'unlock_first', unbusyBeforeUnlock: false };

export const faultSoftFastUnlockFirstModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(FaultSoftFastPolicy)) rebind<FaultSoftFastPolicy>(FaultSoftFastPolicy).toConstantValue(faultSoftFastUnlockFirst);
  else bind<FaultSoftFastPolicy>(FaultSoftFastPolicy).toConstantValue(faultSoftFastUnlockFirst);
});

export const faultSoftFastUnlockFirstBinding: PolicyBinding = { key: FAULT_SOFT_FAST, value: 'unlock_first', module: faultSoftFastUnlockFirstModule };

/** The bindings, registered by the default catalog. */
export const raceLegacyBindings: readonly PolicyBinding[] = [mapCleanReadLockedBinding, faultSoftFastUnlockFirstBinding];
