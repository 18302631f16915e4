import { FAULT_COW_SHARED_SHADOW, FaultCowPolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `fault.cow_shared_shadow: no_invalidate`, FreeBSD before FreeBSD-SA-21:08.vm
 * (CVE-2021-29626). vm_fault's copy-on-write copied the page into the first object and
 * mapped the copy in the faulting address space only: when that object was a shadow shared
 * read/write with another address space (minherit(INHERIT_SHARE) after a copy-on-write
 * fork), the other one kept its translation to the backing page and read stale data, and
 * after the chain collapsed, a freed page. vm_fault_copy_entry (mlock + mprotect, the eager
 * path) always gave the upgraded entry a new private object, so the other sharers never
 * saw its writes.
 */
export const faultCowNoInvalidate: FaultCowPolicy = { value: 'no_invalidate', invalidateSource: false, upgradeInPlace: false };

export const faultCowNoInvalidateModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(FaultCowPolicy)) rebind<FaultCowPolicy>(FaultCowPolicy).toConstantValue(faultCowNoInvalidate);
  else bind<FaultCowPolicy>(FaultCowPolicy).toConstantValue(faultCowNoInvalidate);
});

/** The policy binding of `fault.cow_shared_shadow: no_invalidate`. */
export const faultCowNoInvalidateBinding: PolicyBinding = {
  key: FAULT_COW_SHARED_SHADOW,
  value: 'no_invalidate',
  module: faultCowNoInvalidateModule,
};
