/**
 * @vmlab/pmap-arm64: the arm64 pmap with BTI guarded pages.
 *
 * The entry point is `arm64Module`, the package's one container module (the catalog loads
 * it through `arm64Arch`); the rest is exported for plugins and tests that read arm64
 * state. The layout is the plugin template's (docs/writing-a-pmap.md, "Layout").
 */
export { arm64Arch, arm64Module } from './module.ts';
export { ARM64_USER_TOP, Arm64Pmap, Arm64PmapFactory, ENTRY_BTI, PTE_GP } from './Arm64Pmap.ts';
export { Arm64ArchOps } from './Arm64ArchOps.ts';
export { GuardRangeset } from './GuardRangeset.ts';
export { BtiGuardSubscriber } from './BtiGuardSubscriber.ts';
export { BTI_C, BTI_J, BTI_JC, PACIASP, isLandingPad } from './BtiLandingPad.ts';
export { guardLifetimeInvariant } from './guardLifetimeInvariant.ts';
