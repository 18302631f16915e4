/** @vmlab/pmap-amd64: the amd64 pmap with protection keys (PKRU). */
export { AMD64_USER_TOP, Amd64Pmap, ENTRY_PKEY_MASK, PTE_PKEY_MASK, PTE_PKEY_SHIFT } from './Amd64Pmap.ts';
export { Amd64ArchOps } from './Amd64ArchOps.ts';
export { KeyRangeset, type KeyInterval, type KeyValue } from './KeyRangeset.ts';
export { PKRU_CLEAR_ON, PkruClearPolicy, clearOnMapDelete, pkruClearOnPolicy } from './PkruClearPolicy.ts';
export { PkruKeySubscriber } from './PkruKeySubscriber.ts';
export { LINUX_INIT_PKRU, initialPkru, pkruDenies, pkruOf, setPkru, withKeyRights } from './Pkru.ts';
export { keyLifetimeInvariant } from './keyLifetime.ts';
export { Amd64PmapFactory, amd64Arch, amd64Module } from './module.ts';
