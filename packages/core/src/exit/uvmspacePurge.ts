import { vmMapDelete } from '../map/vmMapOps.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { emitPurge } from '../events/emit.ts';

/**
 * uvmspace_purge (OpenBSD uvm/uvm_map.c, T4.3): empties a user map, leaving it valid. Every
 * entry is deleted as munmap deletes it (a `map_delete` each, its object reference dropped);
 * a `purge` event only when there was something to remove, so a second purge is a no-op.
 * The reference count is not touched. Returns the number of entries removed.
 */
export function uvmspacePurge(ctx: VmContext, vms: Vmspace): number {
  if (vms.kernel || vms.dead) return 0;
  const n = vms.map.size;
  vms.purged = true;
  if (n === 0) return 0;
  emitPurge(ctx.bus, ctx.ownerOf(vms), vms.pmap, n);
  vmMapDelete(ctx, vms, vms.map.min, vms.map.max);
  return n;
}
