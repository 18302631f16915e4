import { PAGE_SIZE } from '../abi/constants.ts';
import { PG_REUSABLE } from '../mem/PhysMem.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Process } from '../proc/Process.ts';
import type { Kernel } from './Kernel.ts';

/**
 * XNU ledgers (osfmk/kern/ledger.c; the phys_footprint and reusable entries that
 * vm_map_reusable_pages and the page accounting keep, T5.9): resident anonymous pages the
 * process's map entries reach, each mapping counted (a page of a shared object counts in
 * every mapping of it, T5.10), split by the page's reusable state. Counted through the map,
 * not the pmap, so a reusable page whose translation was removed still counts until it is
 * freed.
 */
export function chargedPages(k: Kernel, p: Process, reusable: boolean): number {
  const vms = p.vmspace;
  if (vms.dead) return 0;
  const mem = k.mem;
  const objects = k.objects;
  let n = 0;
  for (const e of vms.map.entries) {
    for (let i = 0; i < e.pages; i++) {
      let o: VmObject | null = e.object;
      let pi = e.offset + i;
      while (o !== null) {
        const f = objects.lookupPage(o, pi);
        if (f !== -1) {
          const isReusable = ((mem.flags[f] as number) & PG_REUSABLE) !== 0;
          const charged = vms.pmap.extract(e.start + i * PAGE_SIZE) === f || (isReusable && o === e.object);
          if (charged && o.isAnon && isReusable === reusable) n++;
          break;
        }
        pi += o.backingOffset;
        o = o.backing;
      }
    }
  }
  return n;
}
