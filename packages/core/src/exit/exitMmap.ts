import { vmMapDelete } from '../map/vmMapOps.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { emitTeardown } from '../events/emit.ts';
import { pmapRelease } from './vmspaceFree.ts';

/**
 * Linux exit_mmap (mm/mmap.c, 5.15 to 5.17) for the last user of an address space, under
 * `exit.mmap: locked_*`: the map lock is taken for writing, the page tables are emptied
 * (unmap_vmas, which reschedules between ranges: a scheduling point), the areas are freed
 * (free_pgtables, remove_vma: every entry deleted, its object reference dropped), then with
 * the fix (f798a1d4f94d) the area list is reset before the unlock; without it (`locked_stale`)
 * mm->mmap still leads to the freed areas, which the model keeps on the map marked `freed`.
 * The reference is dropped and the pmap destroyed (mmdrop) after the unlock.
 */
export function* exitMmap(ctx: VmContext, vms: Vmspace, owner: number): KGen<void> {
  const map = vms.map;
  yield* map.lock.lockExclusive(owner);
  map.timestamp++;
  try {
    emitTeardown(ctx.bus, ctx.ownerOf(vms), vms.pmap);
    vms.pmap.removePages();
    yield { reason: 'exit_mmap: unmap_vmas' };
    const areas = [...map.entries];
    vmMapDelete(ctx, vms, map.min, map.max);
    if (!ctx.exitMmap.resetList) {
      for (const e of areas) {
        e.freed = true;
        map.link(e);
      }
    }
  } finally {
    map.lock.unlockExclusive();
  }
  vms.refs--;
  pmapRelease(ctx, vms);
}
