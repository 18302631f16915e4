import { ContainerModule } from 'inversify';

/**
 * `fork.copy` (POLICIES.md): what fork does to the anonymous memory of a copy-on-write
 * (MAP_PRIVATE, inherit copy) entry, beyond marking both entries needs-copy.
 *
 * - `split` (FreeBSD, the default except under abi openbsd; sys/vm/vm_map.c vmspace_fork
 *   and vm_map_copy_entry): the entry's object is first collapsed into its backing object
 *   by vm_object_collapse, which may sleep in its scan on a busy page with the parent's map
 *   held for writing; then, an object that maps only this entry but is referenced by
 *   others (OBJ_ONEMAPPING, ref_count > 1) is split, vm_object_split moving the entry's
 *   pages to a new object of its own, sleeping and restarting on every busy page it meets.
 *   Both sleeps are fork waiting for a page some fault holds busy.
 * - `share_amap` (UVM, the default under abi openbsd; OpenBSD and NetBSD sys/uvm/uvm_map.c
 *   uvm_mapent_forkcopy, sys/uvm/uvm_amap.c amap_copy): the child's entry takes a reference
 *   to the parent's amap as it is (at the entry's slot offset, the amap still shared with
 *   any other entry clipped from it) and both are marked needs-copy; nothing is split, and
 *   amap_copy copies anon references without waiting for a busy page. The model keeps
 *   only the collapse that gives up where it would sleep (as vm_object_collapse did from
 *   the paths that could not sleep). Fork never waits for a page here, so a UVM fault may
 *   keep its page busy while it waits for the map (`fault.pager_relock: relock_busy`).
 */
export const ForkCopyPolicy = Symbol('ForkCopyPolicy');
export interface ForkCopyPolicy {
  readonly value: string;
  /** True: vm_object_collapse may sleep on a busy page and vm_object_split runs (FreeBSD); false: neither waits (UVM). */
  readonly splits: boolean;
}

/** The policy key (owned by core). */
export const FORK_COPY = 'fork.copy';

export const forkCopySplit: ForkCopyPolicy = { value: 'split', splits: true };
export const forkCopyShareAmap: ForkCopyPolicy = { value: 'share_amap', splits: false };

/** The default binding, loaded by coreModule. */
export const forkCopySplitModule = new ContainerModule(({ bind }) => {
  bind<ForkCopyPolicy>(ForkCopyPolicy).toConstantValue(forkCopySplit);
});

/** `fork.copy: share_amap` (a core value; the default under abi openbsd). */
export const forkCopyShareAmapModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(ForkCopyPolicy)) rebind<ForkCopyPolicy>(ForkCopyPolicy).toConstantValue(forkCopyShareAmap);
  else bind<ForkCopyPolicy>(ForkCopyPolicy).toConstantValue(forkCopyShareAmap);
});
