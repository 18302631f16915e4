import { ContainerModule } from 'inversify';
import type { VmMapEntry } from '../map/VmMapEntry.ts';

/**
 * `map_delete.skips`: whether vm_map_delete calls the logical-unmap hook (the map_delete
 * event and Pmap.remove) for an entry, and whether a pmap holding no pages returns before
 * its metadata step (the MD subscriber reads `pmapEarlyReturn`).
 */
export const MapDeletePolicy = Symbol('MapDeletePolicy');
export interface MapDeletePolicy {
  notifies(e: VmMapEntry): boolean;
  readonly pmapEarlyReturn: boolean;
}

/** `none` (default): every logical unmap is notified. */
export const mapDeleteNotifyAll: MapDeletePolicy = {
  notifies: () => true,
  pmapEarlyReturn: false,
};

/** `freebsd`: the two code-level skips of T1.17. */
export const mapDeleteFreeBSDSkips: MapDeletePolicy = {
  notifies: (e) => e.object !== null,
  pmapEarlyReturn: true,
};

export const mapDeleteFreeBSDModule = new ContainerModule(({ rebind }) => {
  rebind<MapDeletePolicy>(MapDeletePolicy).toConstantValue(mapDeleteFreeBSDSkips);
});
