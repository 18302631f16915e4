/** @vmlab/pmap-arm64: the arm64 pmap. */
export { ARM64_USER_TOP, Arm64Pmap } from './Arm64Pmap.ts';
export { Arm64PmapFactory, arm64Arch, arm64Module } from './module.ts';
