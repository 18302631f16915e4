import { MREMAP_TLB_FLUSH, MremapPolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `mremap.tlb_flush: dirty_only`, Linux 4.9 to 4.18 (CVE-2018-18281, Jann Horn). move_ptes
 * (mm/mremap.c) flushed the old range's TLB entries before dropping the page-table lock
 * only when a moved PTE was dirty (5d1904204c99); for clean PTEs it set need_flush and
 * move_page_tables flushed after the loop, with the lock dropped. In that window truncate
 * (unmap_mapping_range through the rmap, which sees only the new PTE) can free the page
 * while another CPU's TLB still maps the old address to it. Fixed by eb66ae030829 ("mremap:
 * properly flush TLB before releasing the page").
 */
export const mremapFlushDirtyOnly: MremapPolicy = { value: 'dirty_only', flushUnderPtl: (anyDirty) => anyDirty };

export const mremapFlushDirtyOnlyModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(MremapPolicy)) rebind<MremapPolicy>(MremapPolicy).toConstantValue(mremapFlushDirtyOnly);
  else bind<MremapPolicy>(MremapPolicy).toConstantValue(mremapFlushDirtyOnly);
});

/** The policy binding of `mremap.tlb_flush: dirty_only`. */
export const mremapFlushDirtyOnlyBinding: PolicyBinding = { key: MREMAP_TLB_FLUSH, value: 'dirty_only', module: mremapFlushDirtyOnlyModule };
