import { ContainerModule } from 'inversify';

/**
 * `fault.pager_relock` (POLICIES.md): how a fault that slept in its pager's I/O (every lock
 * dropped, the page busy) gets back to the map.
 *
 * - `restart` (FreeBSD, the default except under abi openbsd; sys/vm/vm_fault.c
 *   vm_fault_getpages, vm_fault_relookup): the map is only tried (vm_map_trylock_read);
 *   if it is not free, or changed under the fault, the fault releases what it holds,
 *   the page unbusied, and starts again from the lookup (KERN_RESTART, RetryFault). It
 *   never sleeps for the map with a page busy.
 * - `relock_busy` (UVM, the default under abi openbsd; OpenBSD and NetBSD
 *   sys/uvm/uvm_fault.c uvm_fault_lower_io, uvmfault_anonget, uvmfault_relock): after pgo_get
 *   the fault takes the map read lock again, sleeping for it while the page stays busy,
 *   and only then compares the map's version and refaults if it moved. A path that holds
 *   the map and sleeps on that busy page (FreeBSD's fork split, `fork.copy: split`; msync
 *   under `map_clean.lock: read_locked`) deadlocks with it. The same value carries UVM's
 *   removal of a page busy for I/O (sys/uvm/uvm_anon.c uvm_anfree, from uvm_amap.c
 *   amap_wipeout when an unmap drops the last reference): the page is marked PG_RELEASED
 *   and left to its owner, the removal does not sleep; the fault, back from its I/O with
 *   the map relocked, frees the page and its swap slot (uvm_anon_release) and restarts
 *   (ERESTART). The two go together: an unmap that slept on the page with the map held
 *   (FreeBSD's vm_object_page_remove) would deadlock with a fault that relocks the map
 *   before it lets the page go, so they are one value rather than two policies.
 *
 * A wiring fault (mlock) runs under the lock its caller holds, under either value.
 */
export const FaultPagerRelockPolicy = Symbol('FaultPagerRelockPolicy');
export interface FaultPagerRelockPolicy {
  readonly value: string;
  /** True: after pager I/O the fault sleeps for the map read lock with the page still busy (uvmfault_relock). */
  readonly relocksBusy: boolean;
  /**
   * True: an unmap that removes a page busy for a fault's I/O marks it PG_RELEASED and goes
   * on (UVM uvm_anfree); false: it sleeps until the page is unbusied (FreeBSD
   * vm_object_page_remove, vm_page_sleep_if_busy).
   */
  readonly releasesBusy: boolean;
}

/** The policy key (owned by core). */
export const FAULT_PAGER_RELOCK = 'fault.pager_relock';

export const faultPagerRestart: FaultPagerRelockPolicy = { value: 'restart', relocksBusy: false, releasesBusy: false };
export const faultPagerRelockBusy: FaultPagerRelockPolicy = { value: 'relock_busy', relocksBusy: true, releasesBusy: true };

/** The default binding, loaded by coreModule. */
export const faultPagerRestartModule = new ContainerModule(({ bind }) => {
  bind<FaultPagerRelockPolicy>(FaultPagerRelockPolicy).toConstantValue(faultPagerRestart);
});

/** `fault.pager_relock: relock_busy` (a core value; the default under abi openbsd). */
export const faultPagerRelockBusyModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(FaultPagerRelockPolicy)) rebind<FaultPagerRelockPolicy>(FaultPagerRelockPolicy).toConstantValue(faultPagerRelockBusy);
  else bind<FaultPagerRelockPolicy>(FaultPagerRelockPolicy).toConstantValue(faultPagerRelockBusy);
});
