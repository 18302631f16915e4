import { type ArchDescriptor, ArchOps, EventSubscriber, InvariantContribution, PmapFactory } from '@vmlab/core';
import { ContainerModule } from 'inversify';
import { Amd64ArchOps } from './Amd64ArchOps.ts';
import { Amd64PmapFactory } from './Amd64Pmap.ts';
import { keyLifetimeInvariant } from './keyLifetimeInvariant.ts';
import { PkruClearPolicy, clearOnMapDelete } from './PkruClearPolicy.ts';
import { PkruKeySubscriber } from './PkruKeySubscriber.ts';

/**
 * The package's one container module, its entry point: the pmap factory, the MD system
 * calls and queries (PKRU), the key subscriber with the default binding of the policy it
 * asks (pkru.clear_on = map_delete), and the key_lifetime invariant.
 */
export const amd64Module = new ContainerModule(({ bind }) => {
  bind(PmapFactory).to(Amd64PmapFactory);
  bind(ArchOps).to(Amd64ArchOps);
  bind(PkruClearPolicy).toConstantValue(clearOnMapDelete);
  bind(EventSubscriber).to(PkruKeySubscriber);
  bind(InvariantContribution).toConstantValue(keyLifetimeInvariant);
});

/** The architecture as the catalog names it: the module above and the CPU features it knows. */
export const amd64Arch: ArchDescriptor = {
  name: 'amd64',
  description: 'x86-64: 4-level page tables, NX, PKU protection keys (PKRU)',
  module: amd64Module,
  features: { pku: true },
};
