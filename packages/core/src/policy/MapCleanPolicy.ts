import { ContainerModule } from 'inversify';

/**
 * `map_clean.lock` (POLICIES.md; NetBSD PR kern/56952, OpenBSD sys/uvm/uvm_map.c
 * uvm_map_clean): what msync(2) holds while uvm_map_clean flushes the range's pages under
 * abi openbsd (UVM). The flush (uvn_flush, PGO_CLEANIT|PGO_SYNCIO) sleeps on every busy
 * page it meets, and a fault keeps its page busy across its pager I/O until it has the map
 * read lock again (uvmfault_relock).
 *
 * - `busy` (the fix, default; Chuck Silvers for NetBSD, OpenBSD 2022): take the read lock,
 *   mark the map busy (vm_map_busy), drop the lock, flush, unbusy. Writers wait for the
 *   busy mark without queueing on the rwlock, so the fault's relock gets in.
 * - `read_locked` (the bug, a legacy value in @vmlab/plugins): the read lock is held across
 *   the flush. A fault holding a busy page waits for the read lock behind a queued writer
 *   (rwlock(9) prefers writers), the writer waits for msync's read lock, msync waits for the
 *   page: a three-thread deadlock.
 *
 * Other ABIs take FreeBSD's vm_map_sync path, which this key does not change.
 */
export const MapCleanPolicy = Symbol('MapCleanPolicy');
export interface MapCleanPolicy {
  readonly value: string;
  /** True: the map read lock is held while the flush sleeps on busy pages (the bug). */
  readonly holdsReadLock: boolean;
}

export const MAP_CLEAN_LOCK = 'map_clean.lock';

export const mapCleanBusy: MapCleanPolicy = { value: 'busy', holdsReadLock: false };

/** The default binding, loaded by coreModule. */
export const mapCleanDefaultModule = new ContainerModule(({ bind }) => {
  bind<MapCleanPolicy>(MapCleanPolicy).toConstantValue(mapCleanBusy);
});
