import { ContainerModule } from 'inversify';

/**
 * `fault.cow_shared_shadow` (POLICIES.md; FreeBSD-SA-21:08.vm, CVE-2021-29626): what a
 * copy-on-write copy does to the other mappings of the page it copies, when the object it
 * copies into (the entry's first object) is shared read/write between address spaces, as
 * after minherit(INHERIT_SHARE) on a copy-on-write mapping and a fork.
 *
 * - `invalidate` (the fix, default): vm_fault_cow removes every mapping of the source page
 *   when the first object is not OBJ_ONEMAPPING (pmap_remove_all(fs->m_cow)), and
 *   vm_fault_copy_entry upgrading a user-wired entry that is not NEEDS_COPY copies the
 *   pages into the entry's own object, removing every mapping of each source page.
 * - `no_invalidate` (the bug, a legacy value in @vmlab/plugins): the copy leaves the other
 *   sharers' translations to the backing page in place, so they keep reading the old data
 *   (and, once the chain collapses, a freed page); the wired upgrade gives the entry a
 *   private object, so the sharers never see its writes.
 */
export const FaultCowPolicy = Symbol('FaultCowPolicy');
export interface FaultCowPolicy {
  readonly value: string;
  /** vm_fault_cow: pmap_remove_all of the source page when the first object is shared. */
  readonly invalidateSource: boolean;
  /** vm_fault_copy_entry: an upgrade of a non-NEEDS_COPY entry copies into its own object. */
  readonly upgradeInPlace: boolean;
}

export const faultCowInvalidate: FaultCowPolicy = { value: 'invalidate', invalidateSource: true, upgradeInPlace: true };

/** The policy key (a fault-family key, owned by core). */
export const FAULT_COW_SHARED_SHADOW = 'fault.cow_shared_shadow';

/** The default binding, loaded by coreModule. */
export const faultCowDefaultModule = new ContainerModule(({ bind }) => {
  bind<FaultCowPolicy>(FaultCowPolicy).toConstantValue(faultCowInvalidate);
});
