import { ContainerModule } from 'inversify';

/**
 * `collapse.scan` (POLICIES.md; FreeBSD https://reviews.freebsd.org/D6085, r300758 and the
 * `vmf_de` retry in sys/vm/vm_fault.c; OBJ_COLLAPSING since the 2020 collapse rewrite): what a
 * collapse that sleeps in its scan (sys/vm/vm_object.c vm_object_collapse_scan_wait: both
 * object locks dropped, asleep on a busy page, then relocked and the scan restarted from the
 * backing object's first page) leaves for the paths that run meanwhile. The backing object
 * is marked OBJ_DEAD for the whole scan in both values.
 *
 * - `collapsing` (the fix, default): the top object is marked OBJ_COLLAPSING and both
 *   objects count a paging-in-progress reference, so a collapse that finds its backing
 *   object collapsing or dead waits for it to settle (vm_object_backing_collapse_wait: fork's
 *   collapse in vm_map_copy_entry among others), and a fault that meets an object a collapse
 *   marked dead but has not terminated pauses and looks the map up again
 *   (`pause("vmf_de")`, RetryFault).
 * - `dead_only` (the bug, a legacy value in @vmlab/plugins): FreeBSD before D6085. Only the
 *   backing object is marked; a parallel collapse may run on the top object, and vm_fault
 *   stops at any OBJ_DEAD object with KERN_PROTECTION_FAILURE: a spurious SIGSEGV for a
 *   page the collapse was only moving.
 *
 * Both values share the rest of the current collapse: the scan starts whatever paging is in
 * progress and sleeps on a busy page, a fault's page being read in included. FreeBSD 10
 * instead took the no-wait path (vm_object_qcollapse) when either object had paging in
 * progress, and its waitable scan slept on pages busied without it, on vm_page_rename's
 * failed allocation and in swap_pager_copy, which the model does not have; `dead_only`
 * removes what D6085 added, not that difference.
 */
export const CollapsePolicy = Symbol('CollapsePolicy');
export interface CollapsePolicy {
  readonly value: string;
  /** The top object is marked OBJ_COLLAPSING and counted (pip) while the scan may sleep; collapses wait for a collapsing backing object. */
  readonly marksTop: boolean;
  /** vm_fault meeting an object that is being collapsed (OBJ_DEAD, not yet terminated) waits and retries; false: it fails (SIGSEGV). */
  readonly faultRetriesDead: boolean;
}

/** The policy key (owned by core). */
export const COLLAPSE_SCAN = 'collapse.scan';

export const collapseScanCollapsing: CollapsePolicy = { value: 'collapsing', marksTop: true, faultRetriesDead: true };

/** The default binding, loaded by coreModule. */
export const collapseScanDefaultModule = new ContainerModule(({ bind }) => {
  bind<CollapsePolicy>(CollapsePolicy).toConstantValue(collapseScanCollapsing);
});
