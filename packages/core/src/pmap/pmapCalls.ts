import type { EventBus } from '../events/EventBus.ts';
import type { RemoveReason } from '../events/kinds.ts';
import type { Pmap } from './Pmap.ts';
import { emitPmapEnter, emitPmapRemove } from '../events/emit.ts';

/**
 * pmap_enter with its event: the translation is installed first, then `pmap_enter` is
 * published (a subscriber sees the PTE in place).
 */
export function pmapEnter(bus: EventBus, pmap: Pmap, va: number, frame: number, prot: number, wired: boolean): void {
  pmap.enter(va, frame, prot, wired);
  emitPmapEnter(bus, pmap, va, frame, prot);
}

/**
 * pmap_remove with its event, naming the MI path that asked for it: `pmap_remove` is
 * published first (a subscriber still sees the PTEs), then the range is removed.
 */
export function pmapRemove(bus: EventBus, pmap: Pmap, start: number, end: number, reason: RemoveReason): void {
  emitPmapRemove(bus, pmap, start, end, reason);
  pmap.remove(start, end);
}
