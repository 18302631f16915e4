import type { EventBus } from '../events/EventBus.ts';
import type { RemoveReason } from '../events/kinds.ts';
import type { Pmap } from './Pmap.ts';

/**
 * pmap_enter with its event: the translation is installed first, then `pmap_enter` is
 * published (a subscriber sees the PTE in place). The one place the kind is emitted.
 */
export function pmapEnter(bus: EventBus, pmap: Pmap, va: number, frame: number, prot: number, wired: boolean): void {
  pmap.enter(va, frame, prot, wired);
  if (bus.kind.pmap_enter.wants()) bus.publish({ kind: 'pmap_enter', pmap, va, frame, prot });
}

/**
 * pmap_remove with its event, naming the MI path that asked for it: `pmap_remove` is
 * published first (a subscriber still sees the PTEs), then the range is removed. The one
 * place the kind is emitted.
 */
export function pmapRemove(bus: EventBus, pmap: Pmap, start: number, end: number, reason: RemoveReason): void {
  if (bus.kind.pmap_remove.wants()) bus.publish({ kind: 'pmap_remove', pmap, start, end, reason });
  pmap.remove(start, end);
}
