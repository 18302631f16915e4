/** @vmlab/pmap-amd64: the amd64 pmap. */
export { AMD64_USER_TOP, Amd64Pmap } from './Amd64Pmap.ts';
export { Amd64PmapFactory, amd64Arch, amd64Module } from './module.ts';
