/** @vmlab/pmap-arm64: the arm64 pmap with BTI guarded pages. */
export { ARM64_USER_TOP, Arm64Pmap, BTI_C, BTI_J, BTI_JC, PACIASP, PTE_GP, isLandingPad } from './Arm64Pmap.ts';
export { GuardRangeset } from './GuardRangeset.ts';
export { Arm64Ops, BtiSubscriber, ENTRY_BTI, guardLifetime } from './bti.ts';
export { Arm64PmapFactory, arm64Arch, arm64Module } from './module.ts';
