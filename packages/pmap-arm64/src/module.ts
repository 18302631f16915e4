import { ArchOps, type ArchDescriptor, EventSubscriber, InvariantContribution, PmapContext, PmapContextToken, PmapFactory, type Pmap } from '@vmlab/core';
import { ContainerModule, inject, injectable } from 'inversify';
import { ARM64_USER_TOP, Arm64Pmap } from './Arm64Pmap.ts';
import { Arm64Ops, BtiSubscriber, guardLifetime } from './bti.ts';

/** Makes one arm64 pmap per address space. */
@injectable()
export class Arm64PmapFactory implements PmapFactory {
  readonly arch = 'arm64';
  readonly userTop = ARM64_USER_TOP;
  constructor(@inject(PmapContextToken) private readonly ctx: PmapContext) {}
  create(kernel: boolean): Pmap {
    return new Arm64Pmap(this.ctx, kernel);
  }
}

export const arm64Module = new ContainerModule(({ bind }) => {
  bind(PmapFactory).to(Arm64PmapFactory);
  bind(ArchOps).toConstantValue(new Arm64Ops());
  bind(EventSubscriber).to(BtiSubscriber);
  bind(InvariantContribution).toConstantValue(guardLifetime);
});

export const arm64Arch: ArchDescriptor = {
  name: 'arm64',
  description: 'AArch64: 4-level tables (4 KiB granule), UXN, BTI guarded pages',
  module: arm64Module,
  features: { bti: true },
};
