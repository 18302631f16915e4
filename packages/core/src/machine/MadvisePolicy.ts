import { ContainerModule } from 'inversify';
import { PAGE_SIZE } from '../abi/constants.ts';
import { OK, type Outcome } from '../abi/outcome.ts';
import { PG_DIRTY, PQ_INACTIVE } from '../mem/PhysMem.ts';
import { OBJ_ONEMAPPING, type VmObject } from '../object/VmObject.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/**
 * The madvise family. The default binding gives FreeBSD's dontneed, free and willneed with
 * `madvise.free_on_shadow: skip` (MADV_FREE acts only on anonymous ONEMAPPING objects that
 * shadow nothing); other advice values are bound by the madvise issue's modules.
 */
export const MadvisePolicy = Symbol('MadvisePolicy');
export interface MadvisePolicy {
  madvise(k: Kernel, p: Process, t: Thread, start: number, end: number, advice: string): KGen<Outcome>;
}

/** vm_object_advice_applies for MADV_FREE under `free_on_shadow: skip` (r351830). */
export function freeApplies(o: VmObject): boolean {
  return o.isAnon && (o.flags & OBJ_ONEMAPPING) !== 0 && o.backing === null;
}

/** FreeBSD vm_map_madvise for the advice that do not change the map. */
export class FreeBSDMadvise implements MadvisePolicy {
  constructor(readonly applies: (o: VmObject) => boolean = freeApplies) {}

  *madvise(k: Kernel, p: Process, _t: Thread, start: number, end: number, advice: string): KGen<Outcome> {
    const vms = p.vmspace;
    const map = vms.map;
    const mem = k.mem;
    switch (advice) {
      case 'willneed':
        return OK;
      case 'dontneed':
      case 'free':
        break;
      default:
        return k.errno('EINVAL');
    }
    for (let i = map.lowerBound(start); i < map.entries.length && map.entries[i]!.start < end; i++) {
      const e = map.entries[i]!;
      const s = Math.max(start, e.start);
      const t = Math.min(end, e.end);
      if (advice === 'dontneed') vms.pmap.advise(s, t, 'dontneed');
      if (e.object === null) continue;
      for (let va = s; va < t; va += PAGE_SIZE) {
        let o: VmObject | null = e.object;
        let pi = e.offset + (va - e.start) / PAGE_SIZE;
        if (advice === 'free' && !this.applies(o)) continue;
        while (o !== null) {
          const f = k.objects.lookupPage(o, pi);
          if (f !== -1) {
            if (advice === 'free') {
              // The page's contents may be discarded: clean it, drop its backing copy,
              // and put it first in line for reclaim.
              k.removeAllModified(f);
              mem.flags[f] = (mem.flags[f] as number) & ~PG_DIRTY;
              o.pager.freeRange?.(o, pi, pi + 1);
            }
            if (mem.wireCount[f] === 0) mem.enqueue(f, PQ_INACTIVE);
            break;
          }
          if (advice === 'free') o.pager.freeRange?.(o, pi, pi + 1);
          pi += o.backingOffset;
          o = o.backing;
          if (o !== null && advice === 'free' && !this.applies(o)) break;
        }
      }
    }
    return OK;
  }
}

export const madviseFreeBSDModule = new ContainerModule(({ bind }) => {
  bind<MadvisePolicy>(MadvisePolicy).toConstantValue(new FreeBSDMadvise());
});
