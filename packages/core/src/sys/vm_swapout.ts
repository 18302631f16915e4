import { type Outcome, errno } from '../abi/outcome.ts';
import { mapObjects } from '../map/mapObjects.ts';
import { PG_BUSY, PG_DIRTY, PQ_INACTIVE } from '../mem/PhysMem.ts';
import { pageoutPage } from '../pageout/pageoutPage.ts';
import { pmapRemove } from '../pmap/pmapCalls.ts';
import type { Process } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { emitSwapout } from '../events/emit.ts';

/**
 * swapout (FreeBSD sys/vm/vm_swapout.c vm_swapout_map_deactivate_pages with a zero
 * target): the whole map's PTEs go with Pmap.remove (a physical removal: a `swapout`
 * event, never a `map_delete`), the pages of the objects the map reaches are deactivated,
 * and the dirty anonymous ones are written to swap and freed (pageout/pageoutPage.ts, the
 * laundering that follows). `pages` counts those only: clean pages, file pages included,
 * stay resident on the inactive queue. A map with a wired entry is left alone.
 */
export function* swapout(k: Kernel, p: Process): KGen<Outcome> {
  if (p.kernel || p.state !== 'running') return errno('EINVAL');
  const vm = k.vm;
  const vms = p.vmspace;
  for (const e of vms.map.entries) if (e.wiredCount > 0) return { ok: true, pages: 0 };
  emitSwapout(vm.bus, p.pid, vms.pmap, vms.pmap.residentCount);
  pmapRemove(vm.bus, vms.pmap, vms.map.min, vms.map.max, 'swapout');
  let freed = 0;
  const mem = vm.mem;
  for (const o of mapObjects(vms)) {
    for (let f = o.memq; f !== -1; ) {
      const next = mem.listNextOf(f);
      const idle = mem.wireCountOf(f) === 0 && ((mem.flags[f] as number) & PG_BUSY) === 0;
      if (o.isAnon && ((mem.flags[f] as number) & PG_DIRTY) !== 0 && pageoutPage(vm, o, f)) freed++;
      else if (idle) mem.enqueue(f, PQ_INACTIVE);
      f = next;
    }
  }
  vm.counters.add('swapouts');
  return { ok: true, pages: freed };
}
