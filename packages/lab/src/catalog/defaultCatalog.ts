import { Catalog, defaultMachine } from '@vmlab/core';
import { amd64Arch, pkruClearOnPolicy } from '@vmlab/pmap-amd64';
import { arm64Arch } from '@vmlab/pmap-arm64';
import { SWAP_FAULT_POINTS, SWAP_POLICIES, swapBaseModule } from '@vmlab/pager-swap';
import {
  raceLegacyBindings,
  collapseScanDeadOnlyBinding,
  exitMmapLockedStaleBinding,
  faultCowNoInvalidateBinding,
  faultVmaLock64Binding,
  gupDropFollWriteBinding,
  mremapFlushDirtyOnlyBinding,
  pkruLegacyBindings,
  statsPlugin,
  swapAfterUnlockBinding,
} from '@vmlab/plugins';

/** The catalog of the built-in packages: arches, presets, policies and plugins. */
export function defaultCatalog(): Catalog {
  const c = new Catalog();
  c.addArch(amd64Arch).addArch(arm64Arch);
  c.addPreset('amd64', defaultMachine('amd64', 'amd64'));
  c.addPreset('arm64', defaultMachine('arm64', 'arm64'));
  c.addPlugin(statsPlugin);
  for (const d of SWAP_POLICIES) c.policies.define(d);
  c.policies.bind(swapAfterUnlockBinding);
  c.policies.define(pkruClearOnPolicy);
  for (const b of pkruLegacyBindings) c.policies.bind(b);
  c.policies.bind(faultCowNoInvalidateBinding);
  for (const b of raceLegacyBindings) c.policies.bind(b);
  c.policies.bind(mremapFlushDirtyOnlyBinding);
  c.policies.bind(faultVmaLock64Binding);
  c.policies.bind(exitMmapLockedStaleBinding);
  c.policies.bind(collapseScanDeadOnlyBinding);
  c.policies.bind(gupDropFollWriteBinding);
  c.baseModules.push(swapBaseModule);
  for (const f of SWAP_FAULT_POINTS) c.faultPoints.add(f);
  return c;
}
