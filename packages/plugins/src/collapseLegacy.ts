import { COLLAPSE_SCAN, CollapsePolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `collapse.scan: dead_only`, FreeBSD before D6085 (https://reviews.freebsd.org/D6085:
 * r300758, "Prevent parallel object collapses", and the vm_fault retry on a dead object).
 * The waitable collapse scan marked only the backing object (OBJ_DEAD) before it dropped
 * the object locks to sleep on a busy page: the top object was neither counted nor marked,
 * so a second collapse (fork's, from vm_map_copy_entry) could run on it meanwhile, and
 * vm_fault stopped at any OBJ_DEAD object with KERN_PROTECTION_FAILURE, so a fault that
 * walked into the backing object while the scan slept raised a spurious SIGSEGV for a
 * page that was only moving up the chain (examples/races/d6085-collapse/).
 */
export const collapseScanDeadOnly: CollapsePolicy = { value: 'dead_only', marksTop: false, faultRetriesDead: false };

export const collapseScanDeadOnlyModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(CollapsePolicy)) rebind<CollapsePolicy>(CollapsePolicy).toConstantValue(collapseScanDeadOnly);
  else bind<CollapsePolicy>(CollapsePolicy).toConstantValue(collapseScanDeadOnly);
});

/** The policy binding of `collapse.scan: dead_only`. */
export const collapseScanDeadOnlyBinding: PolicyBinding = { key: COLLAPSE_SCAN, value: 'dead_only', module: collapseScanDeadOnlyModule };
