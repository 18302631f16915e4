import { type ArchDescriptor, ArchOps, EventSubscriber, InvariantContribution, PmapFactory } from '@vmlab/core';
import { ContainerModule } from 'inversify';
import { Arm64ArchOps } from './Arm64ArchOps.ts';
import { Arm64PmapFactory } from './Arm64Pmap.ts';
import { BtiGuardSubscriber } from './BtiGuardSubscriber.ts';
import { guardLifetimeInvariant } from './guardLifetimeInvariant.ts';

/**
 * The package's one container module, its entry point: the pmap factory, the MD system
 * call and queries (BTI guards), the guard subscriber, and the guard_lifetime invariant.
 * arm64 has no policy of its own (map_delete.skips is core's, read by the subscriber).
 */
export const arm64Module = new ContainerModule(({ bind }) => {
  bind(PmapFactory).to(Arm64PmapFactory);
  bind(ArchOps).to(Arm64ArchOps);
  bind(EventSubscriber).to(BtiGuardSubscriber);
  bind(InvariantContribution).toConstantValue(guardLifetimeInvariant);
});

/** The architecture as the catalog names it: the module above and the CPU features it knows. */
export const arm64Arch: ArchDescriptor = {
  name: 'arm64',
  description: 'AArch64: 4-level tables (4 KiB granule), UXN, BTI guarded pages',
  module: arm64Module,
  features: { bti: true },
};
