import {
  ArchOps,
  type ArchDescriptor,
  EventSubscriber,
  InvariantContribution,
  PmapContext,
  PmapContextToken,
  PmapFactory,
  type Pmap,
} from '@vmlab/core';
import { ContainerModule, inject, injectable } from 'inversify';
import { Amd64ArchOps } from './Amd64ArchOps.ts';
import { AMD64_USER_TOP, Amd64Pmap } from './Amd64Pmap.ts';
import { PkruClearPolicy, clearOnMapDelete } from './PkruClearPolicy.ts';
import { PkruKeySubscriber } from './PkruKeySubscriber.ts';
import { keyLifetimeInvariant } from './keyLifetime.ts';

/** Makes one amd64 pmap per address space. */
@injectable()
export class Amd64PmapFactory implements PmapFactory {
  readonly arch = 'amd64';
  readonly userTop = AMD64_USER_TOP;
  constructor(@inject(PmapContextToken) private readonly ctx: PmapContext) {}
  create(kernel: boolean): Pmap {
    return new Amd64Pmap(this.ctx, kernel);
  }
}

/**
 * The amd64 architecture's container module: the pmap factory, the PKRU system calls and
 * queries, the key subscriber with its pkru.clear_on binding (default `map_delete`), and
 * the key_lifetime invariant.
 */
export const amd64Module = new ContainerModule(({ bind }) => {
  bind(PmapFactory).to(Amd64PmapFactory);
  bind(ArchOps).to(Amd64ArchOps);
  bind(PkruClearPolicy).toConstantValue(clearOnMapDelete);
  bind(EventSubscriber).to(PkruKeySubscriber);
  bind(InvariantContribution).toConstantValue(keyLifetimeInvariant);
});

export const amd64Arch: ArchDescriptor = {
  name: 'amd64',
  description: 'x86-64: 4-level page tables, NX, PKU protection keys (PKRU)',
  module: amd64Module,
  features: { pku: true },
};
