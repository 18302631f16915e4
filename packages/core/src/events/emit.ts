import type { VmObject } from '../object/VmObject.ts';
import type { Pmap, PmapThread } from '../pmap/Pmap.ts';
import type { EventBus } from './EventBus.ts';
import type { RemoveReason } from './kinds.ts';

/**
 * One emitter per event kind: the only place each kind is published (what each means, and
 * when it comes, is documented on its payload in DomainEvent.ts). An emitter tests the
 * kind's gate first and builds the payload only when someone listens, so a kind nobody
 * subscribes to costs a counter increment and allocates nothing on a hot path. A payload has
 * its `cause` slot from the start (the bus sets it): added afterwards, it grew every event
 * by a property array (an exit's map_delete events were 273 bytes an entry).
 */

export function emitFault(bus: EventBus, pid: number, tid: number, va: number, access: number, ok: boolean): void {
  if (bus.kind.fault.wants()) bus.publish({ kind: 'fault', pid, tid, va, access, outcome: ok ? 'ok' : 'signal', cause: 0 });
}

export function emitPmapEnter(bus: EventBus, pmap: Pmap, va: number, frame: number, prot: number): void {
  if (bus.kind.pmap_enter.wants()) bus.publish({ kind: 'pmap_enter', pmap, va, frame, prot, cause: 0 });
}

export function emitPmapRemove(bus: EventBus, pmap: Pmap, start: number, end: number, reason: RemoveReason): void {
  if (bus.kind.pmap_remove.wants()) bus.publish({ kind: 'pmap_remove', pmap, start, end, reason, cause: 0 });
}

export function emitMapDelete(
  bus: EventBus,
  pid: number,
  pmap: Pmap,
  start: number,
  end: number,
  object: VmObject | null,
  pindex: number,
  onlyMapping: boolean,
): void {
  if (bus.kind.map_delete.wants()) bus.publish({ kind: 'map_delete', pid, pmap, start, end, object, pindex, onlyMapping, cause: 0 });
}

export function emitSwapout(bus: EventBus, pid: number, pmap: Pmap, pages: number): void {
  if (bus.kind.swapout.wants()) bus.publish({ kind: 'swapout', pid, pmap, pages, cause: 0 });
}

export function emitFork(bus: EventBus, pid: number, child: number, pmap: Pmap, childPmap: Pmap, thread: PmapThread, childThread: PmapThread): void {
  if (bus.kind.fork.wants()) bus.publish({ kind: 'fork', pid, child, pmap, childPmap, thread, childThread, cause: 0 });
}

export function emitExec(bus: EventBus, pid: number, pmap: Pmap, oldPmap: Pmap, thread: PmapThread): void {
  if (bus.kind.exec.wants()) bus.publish({ kind: 'exec', pid, pmap, oldPmap, thread, cause: 0 });
}

export function emitExit(bus: EventBus, pid: number, tid: number): void {
  if (bus.kind.exit.wants()) bus.publish({ kind: 'exit', pid, tid, cause: 0 });
}

export function emitProtect(bus: EventBus, pid: number, pmap: Pmap, start: number, end: number, prot: number): void {
  if (bus.kind.protect.wants()) bus.publish({ kind: 'protect', pid, pmap, start, end, prot, cause: 0 });
}

export function emitMadvise(bus: EventBus, pid: number, pmap: Pmap, start: number, end: number, advice: string): void {
  if (bus.kind.madvise.wants()) bus.publish({ kind: 'madvise', pid, pmap, start, end, advice, cause: 0 });
}

export function emitPurge(bus: EventBus, pid: number, pmap: Pmap, entries: number): void {
  if (bus.kind.purge.wants()) bus.publish({ kind: 'purge', pid, pmap, entries, cause: 0 });
}

export function emitPmapDestroy(bus: EventBus, pmap: Pmap): void {
  if (bus.kind.pmap_destroy.wants()) bus.publish({ kind: 'pmap_destroy', pmap, cause: 0 });
}

export function emitRevoke(bus: EventBus, pid: number, pmap: Pmap, start: number, end: number, file: string): void {
  if (bus.kind.revoke.wants()) bus.publish({ kind: 'revoke', pid, pmap, start, end, file, cause: 0 });
}

export function emitFileRevoke(bus: EventBus, file: string, object: VmObject): void {
  if (bus.kind.file_revoke.wants()) bus.publish({ kind: 'file_revoke', file, object, cause: 0 });
}

export function emitTlbInvalidate(bus: EventBus, pmap: Pmap, start: number, end: number, cpu: number, remote: boolean): void {
  if (bus.kind.tlb_invalidate.wants()) bus.publish({ kind: 'tlb_invalidate', pmap, start, end, cpu, remote, cause: 0 });
}

export function emitPagein(bus: EventBus, object: number, pindex: number, count: number): void {
  if (bus.kind.pagein.wants()) bus.publish({ kind: 'pagein', object, pindex, count, cause: 0 });
}

export function emitPageout(bus: EventBus, object: number, pindex: number, count: number): void {
  if (bus.kind.pageout.wants()) bus.publish({ kind: 'pageout', object, pindex, count, cause: 0 });
}

export function emitSpawn(bus: EventBus, pid: number, pmap: Pmap, kernel: boolean, thread: PmapThread): void {
  if (bus.kind.spawn.wants()) bus.publish({ kind: 'spawn', pid, pmap, kernel, thread, cause: 0 });
}

export function emitThreadCreate(bus: EventBus, pid: number, tid: number, thread: PmapThread, by: PmapThread | null): void {
  if (bus.kind.thread_create.wants()) bus.publish({ kind: 'thread_create', pid, tid, thread, by, cause: 0 });
}

export function emitThreadExit(bus: EventBus, pid: number, tid: number): void {
  if (bus.kind.thread_exit.wants()) bus.publish({ kind: 'thread_exit', pid, tid, cause: 0 });
}

export function emitMmap(bus: EventBus, pid: number, pmap: Pmap, start: number, end: number, prot: number, mdFlags: number): void {
  if (bus.kind.mmap.wants()) bus.publish({ kind: 'mmap', pid, pmap, start, end, prot, mdFlags, cause: 0 });
}

export function emitMsync(bus: EventBus, pid: number, pmap: Pmap, start: number, end: number, invalidate: boolean): void {
  if (bus.kind.msync.wants()) bus.publish({ kind: 'msync', pid, pmap, start, end, invalidate, cause: 0 });
}

export function emitTeardown(bus: EventBus, pid: number, pmap: Pmap): void {
  if (bus.kind.teardown.wants()) bus.publish({ kind: 'teardown', pid, pmap, cause: 0 });
}

export function emitObjectSplit(bus: EventBus, object: number, into: number, start: number, end: number): void {
  if (bus.kind.object_split.wants()) bus.publish({ kind: 'object_split', object, into, start, end, cause: 0 });
}

export function emitObjectCollapse(bus: EventBus, object: number, backing: number): void {
  if (bus.kind.object_collapse.wants()) bus.publish({ kind: 'object_collapse', object, backing, cause: 0 });
}

export function emitObjectTerminate(bus: EventBus, object: number): void {
  if (bus.kind.object_terminate.wants()) bus.publish({ kind: 'object_terminate', object, cause: 0 });
}

export function emitWire(bus: EventBus, pid: number, start: number, end: number, wired: boolean): void {
  if (bus.kind.wire.wants()) bus.publish({ kind: 'wire', pid, start, end, wired, cause: 0 });
}

export function emitContextSwitch(bus: EventBus, cpu: number): void {
  if (bus.kind.context_switch.wants()) bus.publish({ kind: 'context_switch', cpu, cause: 0 });
}
