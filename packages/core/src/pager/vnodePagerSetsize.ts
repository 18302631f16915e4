import { PAGE_SIZE, WORDS_PER_PAGE } from '../abi/constants.ts';
import { PG_BUSY } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VmObjects } from '../object/VmObjects.ts';
import type { PageOps } from '../pmap/PageOps.ts';
import type { VnodeFile } from './VnodeFile.ts';

/**
 * vnode_pager_setsize (FreeBSD sys/vm/vnode_pager.c; Linux truncate_setsize, OpenBSD
 * uvm_vnp_setsize): the file behind `obj` changes size.
 *
 * Shrinking: the object shrinks to the pages the file still covers. Every resident page
 * past the new end loses its translations (pmap_remove_all) and is freed, a wired one too
 * (its wiring is the map entry's; FreeBSD keeps such a page as an invalid wired page, which
 * behaves the same for every access: SIGBUS now, zeros after a later extension). The part
 * of the new last page past the end is zeroed in memory. The logical mappings stay: a later
 * access past the end faults as out of bounds. Private copies already made (pages of a
 * shadow object) are not the file's and stay; Linux's removal of those is the caller's.
 *
 * Growing: the object grows; the new part reads zero.
 *
 * Conditions: no page of the object past the new end is busy (the caller runs between
 * steps, where no pager I/O is in flight; a busy page is left for its owner to free).
 */
export function vnodePagerSetsize(objs: VmObjects, pages: PageOps, file: VnodeFile, obj: VmObject, bytes: number): void {
  const mem = objs.mem;
  const oldPages = obj.size;
  file.setSize(bytes);
  const filePages = file.pages;
  obj.size = filePages;
  if (filePages < oldPages) {
    for (let f = obj.memq; f !== -1; ) {
      const next = mem.listNextOf(f);
      if (mem.pindexOf(f) >= filePages && ((mem.flags[f] as number) & PG_BUSY) === 0) {
        pages.removeAll(f);
        mem.setWireCount(f, 0);
        objs.freePage(obj, f);
      }
      f = next;
    }
  }
  // The tail of the new last page: zero in memory from the end of the file on.
  if (bytes % PAGE_SIZE !== 0) {
    const last = Math.floor(bytes / PAGE_SIZE);
    const f = objs.lookupPage(obj, last);
    if (f !== -1) {
      const within = bytes % PAGE_SIZE;
      const c = mem.contents;
      for (let w = Math.floor(within / 4); w < WORDS_PER_PAGE; w++) {
        const keep = within - w * 4;
        const v = keep > 0 ? (c.read(f, w) & ((1 << (keep * 8)) - 1)) >>> 0 : 0;
        if (c.read(f, w) !== v) c.write(f, w, v);
      }
    }
  }
}
