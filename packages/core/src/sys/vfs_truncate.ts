import { PG_BUSY } from '../mem/PhysMem.ts';
import { OK, type Outcome, errno } from '../abi/outcome.ts';
import type { VmObject } from '../object/VmObject.ts';
import { vnodePagerSetsize } from '../pager/vnodePagerSetsize.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { Kernel } from './Kernel.ts';

/**
 * truncate (ftruncate on the file; FreeBSD vn_truncate → vnode_pager_setsize, Linux
 * truncate_setsize, OpenBSD uvm_vnp_setsize): the file's size changes. Under Linux,
 * truncate_pagecache also unmaps private copies of the pages past the new end
 * (unmap_mapping_range with even_cows), so those fault with SIGBUS too; FreeBSD and OpenBSD
 * keep them.
 */
export function truncate(k: Kernel, path: string, size: number): Outcome {
  const rec = k.files.get(path);
  if (rec === undefined) return errno('ENOENT');
  vnodePagerSetsize(k.objects, k.pages, rec.file, rec.object, size);
  if (k.abi === 'linux') truncateCows(k, rec.object);
  return OK;
}

/** Frees the private copies, in any mapping of the file object, of pages past its end. */
function truncateCows(k: Kernel, fileObject: VmObject): void {
  const seen = new Set<Vmspace>();
  for (const p of k.procs.values()) {
    const vms = p.vmspace;
    if (seen.has(vms) || vms.dead) continue;
    seen.add(vms);
    for (const e of vms.map.entries) {
      if (e.object === null || e.object === fileObject) continue;
      for (let i = 0; i < e.pages; i++) {
        const copies: [VmObject, number][] = [];
        let o: VmObject | null = e.object;
        let pi = e.offset + i;
        while (o !== null && o !== fileObject) {
          if (o.isAnon) copies.push([o, pi]);
          pi += o.backingOffset;
          o = o.backing;
        }
        if (o !== fileObject || pi < fileObject.size) continue;
        for (const [c, ci] of copies) {
          const f = k.objects.lookupPage(c, ci);
          if (f === -1 || ((k.mem.flags[f] as number) & PG_BUSY) !== 0) continue;
          k.pages.removeAll(f);
          k.mem.setWireCount(f, 0);
          k.objects.freePage(c, f);
          c.pager.freeRange?.(c, ci, ci + 1);
        }
      }
    }
  }
}
