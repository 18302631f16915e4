import { PAGE_SIZE, VM_PROT_ALL, VM_PROT_READ, VM_PROT_WRITE } from '../abi/constants.ts';
import { type Outcome, errno } from '../abi/outcome.ts';
import { emitMmap } from '../events/emit.ts';
import { MAP_ENTRY_NEEDS_COPY, VmMapEntry } from '../map/VmMapEntry.ts';
import { OBJ_ONEMAPPING } from '../object/VmObject.ts';
import { vmMapDelete } from '../map/vmMapOps.ts';
import type { Process } from '../proc/Process.ts';
import type { Run } from '../sched/KGen.ts';
import { lockOwner, withMapLock } from '../map/vmMapLock.ts';
import type { Kernel } from './Kernel.ts';

const roundPage = (x: number): number => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;

/**
 * kern_break (FreeBSD sys/vm/vm_unix.c): moves the end of the heap (the data segment) to `newBreak`.
 * The first call of an address space sets where the heap starts (vm_daddr; the image's end, which exec
 * would know). Growth maps the pages up to the new break as private anonymous read/write memory; when the
 * heap entry ends at the old break and can grow in place (vm_map_insert coalescing with the previous entry:
 * private, anonymous, read/write, not wired, no copy pending, its object absent, or referenced only by it,
 * not shadowing, and either ending there or mapped once — vm_object_coalesce, which then frees what the
 * object still holds in the new range), that entry grows, so the heap stays one entry. Shrinking deletes
 * the pages above the new break (vm_map_delete). Returns `{ ok, addr }` with the break.
 */
export function obreak(k: Kernel, p: Process, newBreak: number): Run<Outcome> {
  // vm_map_lock around the whole change, as kern_break takes it
  return withMapLock(p.vmspace.map, lockOwner(p.pid, 0), true, () => obreakLocked(k, p, newBreak));
}

function obreakLocked(k: Kernel, p: Process, newBreak: number): Outcome {
  const vms = p.vmspace;
  if (newBreak < 0 || roundPage(newBreak) > k.userTop) return errno('ENOMEM');
  const to = roundPage(newBreak);
  if (vms.daddr === undefined) {
    vms.daddr = to;
    vms.dbreak = to;
    return { ok: true, addr: newBreak };
  }
  const from = vms.dbreak;
  if (to < vms.daddr) return errno('EINVAL');
  if (to < from) {
    vmMapDelete(k.vm, vms, to, from);
    vms.dbreak = to;
    return { ok: true, addr: newBreak };
  }
  if (to === from) return { ok: true, addr: newBreak };
  const map = vms.map;
  if (map.intersects(from, to)) return errno('ENOMEM');
  const rw = VM_PROT_READ | VM_PROT_WRITE;
  const prev = from > map.min ? map.entryAt(from - 1) : undefined;
  const o = prev?.object ?? null;
  const grows =
    prev !== undefined &&
    prev.end === from &&
    prev.file === null &&
    !prev.shared &&
    prev.prot === rw &&
    prev.maxprot === VM_PROT_ALL &&
    prev.inherit === 'copy' &&
    prev.wiredCount === 0 &&
    prev.mdFlags === 0 &&
    (prev.eflags & MAP_ENTRY_NEEDS_COPY) === 0 &&
    (o === null || (o.isAnon && o.refCount === 1 && o.backing === null && (o.size <= prev.offset + prev.pages || (o.flags & OBJ_ONEMAPPING) !== 0)));
  if (grows) {
    const lo = prev.offset + prev.pages;
    prev.end = to;
    if (o !== null) {
      // vm_object_coalesce: what the object still holds past the old end (an earlier, larger heap) goes
      const hi = prev.offset + prev.pages;
      k.vm.objects.pageRemove(o, lo, hi, false);
      o.pager.freeRange?.(o, lo, hi);
      if (o.size < hi) o.size = hi;
    }
    map.timestamp++;
  } else {
    map.insert(new VmMapEntry(from, to, rw, VM_PROT_ALL, 'copy'));
  }
  vms.dbreak = to;
  emitMmap(k.bus, p.pid, vms.pmap, from, to, rw, 0);
  return { ok: true, addr: newBreak };
}
