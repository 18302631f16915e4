/**
 * @vmlab/pmap-amd64: the amd64 pmap with protection keys (PKRU).
 *
 * The entry point is `amd64Module`, the package's one container module (the catalog loads
 * it through `amd64Arch`); the rest is exported for plugins and tests that read amd64
 * state. The layout is the plugin template's (docs/writing-a-pmap.md, "Layout").
 */
export type { KeyInterval, KeyValue } from './KeyRangeset.ts';
export { amd64Arch, amd64Module } from './module.ts';
export { AMD64_USER_TOP, Amd64Pmap, Amd64PmapFactory, ENTRY_PKEY_MASK, PTE_PKEY_MASK, PTE_PKEY_SHIFT } from './Amd64Pmap.ts';
export { Amd64ArchOps } from './Amd64ArchOps.ts';
export { KeyRangeset } from './KeyRangeset.ts';
export { PkruKeySubscriber } from './PkruKeySubscriber.ts';
export { LINUX_INIT_PKRU, initialPkru, pkruDenies, pkruOf, setPkru, withKeyRights } from './PkruRegister.ts';
export { PKRU_CLEAR_ON, PkruClearPolicy, clearOnMapDelete, pkruClearOnPolicy } from './PkruClearPolicy.ts';
export { keyLifetimeInvariant } from './keyLifetimeInvariant.ts';
