/**
 * pkru-on-entries: amd64 protection keys kept on map entries (the Linux placement, T6.1)
 * under the FreeBSD ABI (sysarch AMD64_SET_PKRU / AMD64_CLEAR_PKRU, SEGV_ACCERR).
 *
 * A plugin that moves MD metadata: it replaces the amd64 pmap factory with one whose pmaps
 * take a PTE's key from the map entry covering it (`entryPlacement`), and turns SET/CLEAR
 * into "clip the entries over the range and write the key into their mdFlags". The amd64
 * package's key subscriber, system calls, queries and key_lifetime invariant are reused as
 * they are, through `@vmlab/pmap-amd64`'s public entry point.
 *
 * Where the placements differ (examples/compare-key-placement.yaml):
 * - a key over unmapped space is not remembered (no entry to hold it);
 * - munmap always forgets the key with the entry, even the munmap of a never-faulted
 *   entry that FreeBSD's pmap_remove early return (map_delete.skips: freebsd) skips;
 * - a MAP_FIXED replacement starts with key 0: the new entry has none;
 * - PERSIST means nothing: the key cannot outlive its entry.
 */
import {
  ContainerModule,
  EventSubscriber,
  Kernel,
  PLUGIN_API_VERSION,
  type EventBus,
  type MachineSpec,
  type Pmap,
  type PmapContext,
  PmapContextToken,
  PmapFactory,
  type Vmspace,
  type VmlabPlugin,
  clipRange,
} from '@vmlab/core';
import { AMD64_USER_TOP, Amd64Pmap, ENTRY_PKEY_MASK } from '@vmlab/pmap-amd64';

/** An amd64 pmap whose keys live on the map entries of the address space it belongs to. */
export class EntryKeyedPmap extends Amd64Pmap {
  /** The kernel and the address space this pmap belongs to (set from spawn/fork/exec). */
  owner: (() => { k: Kernel; vms: Vmspace } | undefined) | null = null;

  override get entryPlacement(): boolean {
    return true;
  }

  /** SET: clips the entries over [start, end) and gives them the key; PERSIST has no meaning here. */
  override assignKey(start: number, end: number, key: number, _persist: boolean): void {
    this.setEntryKeys(start, end, key);
    this.ctx.counters.add('pkru.assign');
  }

  /** CLEAR: key 0 on the entries over the range. */
  override clearKeys(start: number, end: number): void {
    this.setEntryKeys(start, end, 0);
  }

  private setEntryKeys(start: number, end: number, key: number): void {
    const o = this.owner?.();
    if (o === undefined) return;
    const map = o.vms.map;
    for (let i = clipRange(o.k, o.vms, start, end); i < map.entries.length && map.entries[i]!.start < end; i++) {
      const e = map.entries[i]!;
      e.mdFlags = (e.mdFlags & ~ENTRY_PKEY_MASK) | key;
      this.ctx.counters.add('pkru.entry_keys');
    }
    this.refreshPteKeys(start, end);
  }
}

export class EntryKeyedPmapFactory implements PmapFactory {
  readonly arch = 'amd64';
  readonly userTop = AMD64_USER_TOP;
  constructor(private readonly ctx: PmapContext) {}
  create(kernel: boolean): Pmap {
    return new EntryKeyedPmap(this.ctx, kernel);
  }
}

/** Tells each pmap which address space it belongs to (a pmap has no back pointer). */
class OwnerSubscriber implements EventSubscriber {
  readonly name = 'pkru-on-entries';
  constructor(private readonly k: Kernel) {}
  subscribe(bus: EventBus): void {
    bus.on('spawn', this.name, (e) => this.own(e.pmap, e.pid));
    bus.on('fork', this.name, (e) => this.own(e.childPmap, e.child));
    bus.on('exec', this.name, (e) => this.own(e.pmap, e.pid));
  }
  private own(pm: Pmap, pid: number): void {
    if (!(pm instanceof EntryKeyedPmap)) return;
    const k = this.k;
    pm.owner = () => {
      const vms = k.procs.get(pid)?.vmspace;
      return vms !== undefined && vms.pmap === pm ? { k, vms } : undefined;
    };
  }
}

export const plugin: VmlabPlugin = {
  name: 'pkru-on-entries',
  apiVersion: PLUGIN_API_VERSION,
  description: 'amd64 protection keys on map entries (the Linux placement) under the FreeBSD ABI',
  apply: (spec: MachineSpec) => spec.arch === 'amd64',
  module: new ContainerModule(({ bind, rebind }) => {
    rebind<PmapFactory>(PmapFactory).toDynamicValue((c) => new EntryKeyedPmapFactory(c.get<PmapContext>(PmapContextToken)));
    bind<EventSubscriber>(EventSubscriber).toDynamicValue((c) => new OwnerSubscriber(c.get<Kernel>(Kernel)));
  }),
};

export default plugin;
