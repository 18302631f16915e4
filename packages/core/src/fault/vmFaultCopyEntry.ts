import { PAGE_SIZE } from '../abi/constants.ts';
import { PG_DIRTY } from '../mem/PhysMem.ts';
import { MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY, type VmMapEntry } from '../map/VmMapEntry.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import { pmapEnter } from '../pmap/pmapCalls.ts';
import type { VmContext } from '../vm/VmContext.ts';

/**
 * vm_fault_copy_entry with src_entry == dst_entry (FreeBSD sys/vm/vm_fault.c), called by
 * vm_map_protect when it gives write access to a user-wired entry: instead of leaving the
 * copy-on-write to soft faults, every page the entry sees is copied up now and mapped
 * writable and wired, the source page unwired.
 *
 * An entry that is not NEEDS_COPY keeps its object: the pages found deeper in the chain are
 * copied into it, and each source page held by an object that is not ONEMAPPING loses every
 * mapping first (the fix that came with shared_shadow_inval_test's eager case), so the other
 * address spaces sharing the object see the copy. Under `fault.cow_shared_shadow:
 * no_invalidate` (and for a NEEDS_COPY entry) the entry gets a new private object holding
 * the copies, as the code did before: a sharer of the old object never sees its writes.
 */
export function vmFaultCopyEntryUpgrade(ctx: VmContext, vms: Vmspace, e: VmMapEntry): void {
  const src = e.object;
  if (src === null) return;
  const objs = ctx.objects;
  const mem = ctx.mem;
  const inPlace = ctx.faultCowPolicy.upgradeInPlace && (e.eflags & MAP_ENTRY_NEEDS_COPY) === 0;
  const dst = inPlace ? src : objs.allocate('anon', e.pages, ctx.anonPager);
  for (let p = 0; p < e.pages; p++) {
    let o: VmObject | null = src;
    let pi = e.offset + p;
    let f = -1;
    while (o !== null) {
      f = objs.lookupPage(o, pi);
      if (f !== -1) break;
      pi += o.backingOffset;
      o = o.backing;
    }
    // A wired entry has every page resident; a page that is not (never faulted) stays lazy.
    if (f === -1 || o === null) continue;
    const va = e.start + p * PAGE_SIZE;
    if (o === dst) {
      pmapEnter(ctx.bus, vms.pmap, va, f, e.prot, true);
      continue;
    }
    const nf = objs.allocPage(dst, inPlace ? e.offset + p : p);
    if (nf === -1) break;
    if (inPlace && !o.oneMapping) ctx.pages.removeAll(f);
    mem.contents.copyFrom(nf, mem.contents, f);
    mem.flags[nf] = (mem.flags[nf] as number) | PG_DIRTY;
    ctx.counters.cowCopies++;
    pmapEnter(ctx.bus, vms.pmap, va, nf, e.prot, true);
    if (mem.wireCountOf(f) > 0) mem.setWireCount(f, mem.wireCountOf(f) - 1);
    mem.setWireCount(nf, mem.wireCountOf(nf) + 1);
    objs.activate(nf);
  }
  if (!inPlace) {
    e.object = dst;
    e.offset = 0;
    objs.deallocate(src);
  }
  e.eflags &= ~(MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY);
  vms.map.timestamp++;
}
