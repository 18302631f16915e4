import { ContainerModule } from 'inversify';

/**
 * `mremap.tlb_flush` (POLICIES.md; CVE-2018-18281, Jann Horn): when mremap's move_ptes
 * (Linux mm/mremap.c) invalidates the TLB entries of the PTEs it moved away from the old
 * range, relative to dropping the page-table lock (PTL).
 *
 * - `present` (the fix, default; commit eb66ae030829, "mremap: properly flush TLB before
 *   releasing the page", Linux 4.19): any present PTE moved makes move_ptes flush the old
 *   range before it drops the PTL, so by the time an rmap walk (truncate, reclaim) can find
 *   the page at its new address and free it, no CPU still translates the old address.
 * - `dirty_only` (the bug, 4.9 to 4.18; a legacy value in @vmlab/plugins): only a dirty PTE
 *   forced the flush under the PTL (5d1904204c99, the race with page cleaning); for clean
 *   ones move_ptes set need_flush and move_page_tables flushed the old range after the
 *   loop, after the PTL was dropped. Meanwhile ftruncate's unmap_mapping_range finds the
 *   page through its new PTE only, flushes the new address, and frees the page: another CPU
 *   still reads and writes it through the old address's TLB entry after it is reused.
 */
export const MremapPolicy = Symbol('MremapPolicy');
export interface MremapPolicy {
  readonly value: string;
  /** Whether move_ptes flushes before dropping the PTL, given whether a moved PTE was dirty. */
  flushUnderPtl(anyDirty: boolean): boolean;
}

export const mremapFlushPresent: MremapPolicy = { value: 'present', flushUnderPtl: () => true };

/** The policy key (owned by core). */
export const MREMAP_TLB_FLUSH = 'mremap.tlb_flush';

/** The default binding, loaded by coreModule. */
export const mremapDefaultModule = new ContainerModule(({ bind }) => {
  bind<MremapPolicy>(MremapPolicy).toConstantValue(mremapFlushPresent);
});
