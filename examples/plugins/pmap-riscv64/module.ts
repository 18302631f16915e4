import { ContainerModule, PLUGIN_API_VERSION, type PmapContext, PmapContextToken, PmapFactory, type VmlabPlugin } from '@vmlab/core';
import { Riscv64PmapFactory } from './Riscv64Pmap.ts';
import { sv48PteInvariant } from './sv48PteInvariant.ts';

/** The plugin's one container module: the pmap factory (nothing else: no MD system calls, no side tables). */
export const riscv64Module = new ContainerModule(({ bind }) => {
  bind<PmapFactory>(PmapFactory).toDynamicValue((c) => new Riscv64PmapFactory(c.get<PmapContext>(PmapContextToken)));
});

export const plugin: VmlabPlugin = {
  name: 'pmap-riscv64',
  apiVersion: PLUGIN_API_VERSION,
  description: 'RISC-V Sv48 pmap: 4-level tables, 4 KiB pages, V R W X U A D, sfence.vma and SBI remote fences',
  module: riscv64Module,
  arch: { name: 'riscv64', description: 'RISC-V RV64 with Sv48 paging (no protection keys, no guarded pages)', features: {} },
  invariants: [sv48PteInvariant],
};
