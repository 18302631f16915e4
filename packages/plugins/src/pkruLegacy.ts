import type { RemoveReason } from '@vmlab/core';
import { PKRU_CLEAR_ON, PkruClearPolicy } from '@vmlab/pmap-amd64';
import { ContainerModule } from 'inversify';

/**
 * The legacy values of `pkru.clear_on` (T1.21). Each is a module that rebinds the amd64
 * key subscriber's clearing policy; the subscriber, the rangeset and the events stay the same.
 */

/**
 * `pmap_remove`: the bug before D39556. pmap_remove itself dropped non-persistent keys, so
 * every caller did: munmap (through vm_map_delete), but also swapout, mprotect(PROT_NONE)
 * and msync(MS_INVALIDATE), so a swapped-out process silently lost its keys.
 */
export const pkruClearOnPmapRemove: PkruClearPolicy = {
  value: 'pmap_remove',
  // vm_map_delete's pmap_remove (reason map_delete) drops them; no separate hook.
  onMapDelete: false,
  onAnyPmapRemove: true,
  onPmapRemove: () => true,
};

/**
 * `pmap_remove_swapout`: the first proposed fix. Swapout alone switched to a
 * key-preserving removal; mprotect(PROT_NONE) (reason protect), msync(MS_INVALIDATE)
 * (reason msync) and every other pmap_remove still dropped keys, as did munmap.
 */
export const pkruClearOnPmapRemoveSwapout: PkruClearPolicy = {
  value: 'pmap_remove_swapout',
  onMapDelete: false,
  onAnyPmapRemove: true,
  onPmapRemove: (reason: RemoveReason) => reason !== 'swapout',
};

function rebindModule(policy: PkruClearPolicy): ContainerModule {
  return new ContainerModule(({ bind, isBound, rebind }) => {
    // On a machine without the amd64 package's binding (arm64) the value is inert.
    if (isBound(PkruClearPolicy)) rebind<PkruClearPolicy>(PkruClearPolicy).toConstantValue(policy);
    else bind<PkruClearPolicy>(PkruClearPolicy).toConstantValue(policy);
  });
}

export const pkruClearOnPmapRemoveModule = rebindModule(pkruClearOnPmapRemove);
export const pkruClearOnPmapRemoveSwapoutModule = rebindModule(pkruClearOnPmapRemoveSwapout);

/** The PolicyBindings the catalog registers for the legacy values. */
export const pkruLegacyBindings = [
  { key: PKRU_CLEAR_ON, value: 'pmap_remove', module: pkruClearOnPmapRemoveModule },
  { key: PKRU_CLEAR_ON, value: 'pmap_remove_swapout', module: pkruClearOnPmapRemoveSwapoutModule },
] as const;
