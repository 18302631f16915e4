/**
 * pmap-riscv64: a RISC-V Sv48 pmap for vmlab, written as a user's plugin against
 * `@vmlab/core`'s public API only (docs/writing-a-pmap.md walks through it).
 *
 * - Sv48: 4-level page tables, 4 KiB pages, user space [0x1000, 0x800000000000).
 * - PTE bits V R W X U A D: V/R/W/X/A/D are the software page table's generic bits; U
 *   is this pmap's MD bit, set on every user PTE. W without R is a reserved encoding, so a
 *   writable mapping is always readable; X without R is a true execute-only page.
 * - No protection keys and no guarded pages: no ArchOps are bound, so core answers the MD
 *   operations as on any arch without them (sysarch EINVAL, pkey_set/wrpkru EOPNOTSUPP,
 *   check pkey/guarded/pkru none).
 * - TLB: a hart invalidates its own translations with `sfence.vma` (counter
 *   `tlb.sfence_vma`, one per hart that executes it) and reaches the other harts running
 *   the pmap with one SBI remote fence (`sbi_remote_sfence_vma`, counter
 *   `tlb.remote_fence`, one per call). There are no ASIDs: a context switch flushes.
 *
 * The layout is the one `vmlab new-plugin` writes (docs/writing-a-pmap.md, "Layout"):
 * this entry, `module.ts` (the one container module and the plugin), `Riscv64Pmap.ts`
 * (the pmap and its factory) and `sv48PteInvariant.ts`.
 */
export { PTE_U, RISCV64_USER_TOP, Riscv64Pmap, Riscv64PmapFactory } from './Riscv64Pmap.ts';
export { plugin, plugin as default, riscv64Module } from './module.ts';
export { sv48PteInvariant } from './sv48PteInvariant.ts';
