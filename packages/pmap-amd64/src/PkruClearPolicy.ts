import type { PolicyDefinition, RemoveReason } from '@vmlab/core';

/**
 * `pkru.clear_on` (POLICIES.md, T1.15, T1.21): which MI path drops the non-PERSIST keys of
 * the amd64 rangeset. The key subscriber asks the bound policy at every `map_delete` and
 * `pmap_remove` event; the default binding is `clearOnMapDelete` (the fix of D39556), and
 * the legacy values live in @vmlab/plugins as modules that rebind this token.
 */
export const PkruClearPolicy = Symbol('PkruClearPolicy');
export interface PkruClearPolicy {
  readonly value: string;
  /** A logical unmap (the `map_delete` event, pmap_map_delete) drops non-persistent keys. */
  readonly onMapDelete: boolean;
  /** Whether any Pmap.remove drops them (the subscriber listens to `pmap_remove` only then). */
  readonly onAnyPmapRemove: boolean;
  /** A Pmap.remove for this MI reason (the `pmap_remove` event) drops them. */
  onPmapRemove(reason: RemoveReason): boolean;
}

/** `map_delete` (default): only a logical unmap drops keys; every pmap_remove keeps them. */
export const clearOnMapDelete: PkruClearPolicy = {
  value: 'map_delete',
  onMapDelete: true,
  onAnyPmapRemove: false,
  onPmapRemove: () => false,
};

export const PKRU_CLEAR_ON = 'pkru.clear_on';

export const pkruClearOnPolicy: PolicyDefinition = {
  key: PKRU_CLEAR_ON,
  values: ['map_delete', 'pmap_remove', 'pmap_remove_swapout'],
  owner: '@vmlab/pmap-amd64',
  rules: 'T1.15, T1.21',
  description:
    'Which path drops non-PERSIST PKRU keys on amd64. map_delete: only a logical unmap (vm_map_delete → pmap_map_delete), as FreeBSD does since the swapout fix. pmap_remove: every pmap_remove drops them, the bug in which a swapped-out process lost its keys. pmap_remove_swapout: the first proposed fix, where swapout alone uses a key-preserving variant and mprotect(PROT_NONE) and msync(MS_INVALIDATE) still drop keys.',
};
