import { ContainerModule } from 'inversify';

/**
 * `fault.soft_fast` (POLICIES.md; FreeBSD https://reviews.freebsd.org/D38527,
 * sys/vm/vm_fault.c vm_fault_soft_fast): the order in which the fast path of a fault on a
 * resident, valid page of the first object ends. The fast path busies the first object
 * (vm_object_busy), maps the page and then both releases the map (vm_map_lookup_done) and
 * unbusies the object (vm_object_unbusy).
 *
 * - `unbusy_first` (the fix, default): the object is unbusied while the map lock still
 *   keeps the entry, and with it the object's reference, in place.
 * - `unlock_first` (the bug, a legacy value in @vmlab/plugins): the map lock is dropped
 *   first; an munmap of the range in that window drops the last reference and terminates
 *   the object, and the fault then unbusies an object that is gone.
 */
export const FaultSoftFastPolicy = Symbol('FaultSoftFastPolicy');
export interface FaultSoftFastPolicy {
  readonly value: string;
  /** True: vm_object_unbusy before vm_map_lookup_done (the fix). */
  readonly unbusyBeforeUnlock: boolean;
}

export const FAULT_SOFT_FAST = 'fault.soft_fast';

export const faultSoftFastUnbusyFirst: FaultSoftFastPolicy = { value: 'unbusy_first', unbusyBeforeUnlock: true };

/** The default binding, loaded by coreModule. */
export const faultSoftFastDefaultModule = new ContainerModule(({ bind }) => {
  bind<FaultSoftFastPolicy>(FaultSoftFastPolicy).toConstantValue(faultSoftFastUnbusyFirst);
});
