import { vmMapDelete } from '../map/vmMapOps.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { VmContext } from '../vm/VmContext.ts';
import { emitPmapDestroy, emitTeardown } from '../events/emit.ts';

/**
 * vmspace_free (FreeBSD sys/vm/vm_map.c): drops one reference to an address space; the last
 * one hands it to the `exit.teardown` policy (vmspace_dofree, or OpenBSD's purge-then-release).
 * The kernel's shared vmspace only counts.
 */
export function vmspaceFree(ctx: VmContext, vms: Vmspace): void {
  vms.refs--;
  if (vms.kernel || vms.refs > 0) return;
  ctx.exitPolicy.lastReference(ctx, vms);
}

/**
 * The full teardown at the last reference (vmspace_exit / vmspace_dofree): MD state goes
 * (`teardown`, as pmap_remove_pages), every entry is deleted, and the pmap is destroyed.
 */
export function vmspaceTeardown(ctx: VmContext, vms: Vmspace): void {
  if (vms.dead) return;
  if (!vms.purged) {
    emitTeardown(ctx.bus, ctx.ownerOf(vms), vms.pmap);
    vms.pmap.removePages();
  }
  vmMapDelete(ctx, vms, vms.map.min, vms.map.max);
  pmapRelease(ctx, vms);
}

/**
 * pmap_release (from vmspace_dofree): the pmap is destroyed, exactly once (`pmap_destroy`
 * first), and the machine lets go of the address space (its owner entry kept every exited
 * process's vmspace, page tables and all, reachable: about 7 KB a fork + exit + wait).
 */
export function pmapRelease(ctx: VmContext, vms: Vmspace): void {
  if (vms.dead) return;
  vms.dead = true;
  emitPmapDestroy(ctx.bus, vms.pmap);
  vms.pmap.destroy();
  ctx.forgetVmspace(vms);
}
