import { PG_BUSY, PG_DIRTY } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { emitPageout } from '../events/emit.ts';

/**
 * Pages a page out and frees it, if it can leave memory (FreeBSD vm_pageout_launder, then
 * the free): a mapped page is write-protected first so its dirty state is final; a dirty
 * page is written by its pager; a page the pager cannot take (no swap, swap full, an
 * injected failure) stays resident, dirty and mapped read-only. A clean page (its contents
 * are on the pager, it is an untouched zero page, or MADV_FREE discarded them) loses its
 * mappings and is freed. Wired and busy pages stay. True if the frame was freed.
 */
export function pageoutPage(ctx: VmContext, o: VmObject, f: number): boolean {
  const mem = ctx.mem;
  if (mem.wireCountOf(f) > 0 || ((mem.flags[f] as number) & PG_BUSY) !== 0) return false;
  const pages = ctx.pages;
  const mapped = pages.isMapped(f);
  if (mapped) pages.removeWrite(f);
  if (((mem.flags[f] as number) & PG_DIRTY) !== 0) {
    if (o.pager.putpages?.(o, [f]) !== true) return false;
    mem.flags[f] = (mem.flags[f] as number) & ~PG_DIRTY;
    emitPageout(ctx.bus, o.id, mem.pindexOf(f), 1);
  }
  if (mapped) pages.removeAll(f);
  ctx.objects.freePage(o, f);
  return true;
}
