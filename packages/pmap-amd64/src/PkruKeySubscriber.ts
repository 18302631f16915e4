import { type EventBus, type EventSubscriber, Kernel, MapDeletePolicy, type Pmap, type PmapThread, type VmMap } from '@vmlab/core';
import { inject, injectable } from 'inversify';
import { Amd64Pmap, ENTRY_PKEY_MASK } from './Amd64Pmap.ts';
import { PkruClearPolicy } from './PkruClearPolicy.ts';
import { initialPkru, pkruOf, setPkru } from './PkruRegister.ts';

/**
 * Maintains every amd64 pmap's key state from the bus, and only from it (T1.15): core
 * knows nothing of keys, and Pmap.remove never touches them.
 *
 * | event | FreeBSD rangeset (`abi: freebsd`) | Linux per-mm state (`abi: linux`) |
 * |---|---|---|
 * | `fork` (before any entry is copied) | copied verbatim, PERSIST included (T1.18) | allocation map and execute-only key copied (T6.6) |
 * | `map_delete` | non-PERSIST intervals dropped, unless pkru.clear_on says otherwise or map_delete.skips=freebsd finds the pmap empty (T1.16, T1.17b) | nothing (the entry, and its key, are gone) |
 * | `pmap_remove` | dropped only under the legacy pkru.clear_on values | nothing |
 * | `exec`, `teardown`, `pmap_destroy` | everything dropped (T1.22, T1.23) | exec: fresh allocation map |
 * | `protect` | nothing (T1.19) | PTE keys rewritten from the entries (the VMA key may change) |
 * | `swapout`, `msync`, `revoke`, `madvise` | nothing (T1.15a, T1.21) | nothing |
 *
 * It also gives threads their PKRU: a new thread copies its creator's, a spawned process
 * and an exec'ed image start with the ABI's initial value, a forked child copies the
 * forking thread's (T1.18, T6.6, T6.7).
 */
@injectable()
export class PkruKeySubscriber implements EventSubscriber {
  readonly name = 'pkru-keys';

  constructor(
    @inject(PkruClearPolicy) private readonly policy: PkruClearPolicy,
    @inject(MapDeletePolicy) private readonly mapDelete: MapDeletePolicy,
    @inject(Kernel) private readonly k: Kernel,
  ) {}

  subscribe(bus: EventBus): void {
    const abi = this.k.abi;
    bus.on('spawn', this.name, (e) => this.placeLinux(e.pmap, e.pid));
    bus.on('thread_create', this.name, (e) => {
      setPkru(e.thread, e.by === null ? initialPkru(abi) : pkruOf(e.by, abi));
    });
    bus.on('fork', this.name, (e) => {
      const parent = amd64(e.pmap);
      const child = amd64(e.childPmap);
      if (parent !== undefined && child !== undefined) {
        child.keys.copyFrom(parent.keys);
        child.pkeyAllocated = parent.pkeyAllocated;
        child.execOnlyKey = parent.execOnlyKey;
        this.placeLinux(child, e.child);
      }
      setPkru(e.childThread, pkruOf(e.thread, abi));
    });
    bus.on('exec', this.name, (e) => {
      const p = amd64(e.pmap);
      if (p !== undefined) {
        p.dropAllKeys();
        p.pkeyAllocated = 1;
        p.execOnlyKey = -1;
        this.placeLinux(p, e.pid);
      }
      resetThread(e.thread, abi);
    });
    bus.on('teardown', this.name, (e) => amd64(e.pmap)?.dropAllKeys());
    bus.on('pmap_destroy', this.name, (e) => amd64(e.pmap)?.dropAllKeys());
    bus.on('map_delete', this.name, (e) => {
      const p = amd64(e.pmap);
      if (p === undefined || p.entryPlacement || this.earlyReturn(p)) return;
      // A deleted range can only ever be under a key that lies over it now: a later SET over
      // it takes it out of `deleted` again (assignKey). So a range with no key over it is not
      // recorded, and an exit (teardown dropped every key first) records none of its entries:
      // recording them was an interval object per entry, 0.4-1.2 us each at 100,000 entries.
      if (p.keys.overlaps(e.start, e.end)) p.deleted.set(e.start, e.end, { key: 0, persist: false });
      if (this.policy.onMapDelete) p.dropNonPersistent(e.start, e.end);
    });
    // Listened to only where some path needs it, so a default machine's removals stay cheap.
    if (this.policy.onAnyPmapRemove && abi !== 'linux') {
      bus.on('pmap_remove', this.name, (e) => {
        const p = amd64(e.pmap);
        if (p === undefined || p.entryPlacement || !this.policy.onPmapRemove(e.reason) || this.earlyReturn(p)) return;
        p.dropNonPersistent(e.start, e.end);
      });
    }
    if (abi === 'linux') {
      bus.on('protect', this.name, (e) => {
        const p = amd64(e.pmap);
        if (p?.entryPlacement) p.refreshPteKeys(e.start, e.end);
      });
    }
  }

  /** pmap_remove1's early return (T1.17b), under map_delete.skips=freebsd only. */
  private earlyReturn(p: Amd64Pmap): boolean {
    return this.mapDelete.pmapEarlyReturn && p.residentCount === 0;
  }

  /**
   * Linux placement: a PTE's key is its map entry's key. The pmap reaches the entry through
   * the process that owns it (looked up when the key is needed, so a child registered
   * after its fork event is found).
   */
  private placeLinux(pm: Pmap, pid: number): void {
    const p = amd64(pm);
    if (p === undefined || !p.entryPlacement) return;
    const k = this.k;
    // The map is found once, then kept: the pmap belongs to one address space for life.
    let map: VmMap | undefined;
    const find = (): VmMap | undefined => {
      const proc = k.procs.get(pid);
      return proc !== undefined && proc.vmspace.pmap === p ? proc.vmspace.map : undefined;
    };
    map = find();
    p.entryKeyAt = (va) => {
      map ??= find();
      const e = map?.entryAt(va);
      return e === undefined ? 0 : e.mdFlags & ENTRY_PKEY_MASK;
    };
  }
}

function amd64(p: Pmap): Amd64Pmap | undefined {
  return p instanceof Amd64Pmap && p.pku ? p : undefined;
}

/** exec resets the thread's PKRU (FreeBSD: the initial XSAVE image, 0; Linux: init_pkru_value). */
function resetThread(t: PmapThread, abi: string): void {
  setPkru(t, initialPkru(abi));
}
