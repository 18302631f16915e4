import type { Pmap, PmapThread } from '../pmap/Pmap.ts';
import type { EventKind, RemoveReason } from './kinds.ts';

/** Every event names its kind and the command (sequence number) that caused it. */
export interface EventBase<K extends EventKind> {
  readonly kind: K;
  /** Sequence number of the command that caused it (set by the bus). */
  cause: number;
}

/** Payloads by kind. `pmap` fields are references; the event log records their ids. */
export interface EventPayloads {
  fault: { pid: number; tid: number; va: number; access: number; outcome: string };
  pmap_enter: { pmap: Pmap; va: number; frame: number; prot: number };
  pmap_remove: { pmap: Pmap; start: number; end: number; reason: RemoveReason };
  map_delete: { pid: number; pmap: Pmap; start: number; end: number; hasObject: boolean };
  swapout: { pid: number; pmap: Pmap; pages: number };
  fork: { pid: number; child: number; pmap: Pmap; childPmap: Pmap; thread: PmapThread; childThread: PmapThread };
  exec: { pid: number; pmap: Pmap; oldPmap: Pmap; thread: PmapThread };
  exit: { pid: number; tid: number };
  protect: { pid: number; pmap: Pmap; start: number; end: number; prot: number };
  madvise: { pid: number; pmap: Pmap; start: number; end: number; advice: string };
  purge: { pid: number; pmap: Pmap; entries: number };
  pmap_destroy: { pmap: Pmap };
  revoke: { pid: number; pmap: Pmap; start: number; end: number; file: string };
  tlb_invalidate: { pmap: Pmap; start: number; end: number; cpu: number; remote: boolean };
  pagein: { object: number; pindex: number; count: number };
  pageout: { object: number; pindex: number; count: number };
  spawn: { pid: number; pmap: Pmap; kernel: boolean; thread: PmapThread };
  thread_create: { pid: number; tid: number; thread: PmapThread; by: PmapThread | null };
  thread_exit: { pid: number; tid: number };
  mmap: { pid: number; pmap: Pmap; start: number; end: number; prot: number; mdFlags: number };
  msync: { pid: number; pmap: Pmap; start: number; end: number; invalidate: boolean };
  teardown: { pid: number; pmap: Pmap };
  object_split: { object: number; into: number; start: number; end: number };
  object_collapse: { object: number; backing: number };
  object_terminate: { object: number };
  wire: { pid: number; start: number; end: number; wired: boolean };
  context_switch: { cpu: number };
  signal: { pid: number; tid: number; signal: string; code: string; addr: number };
}

export type DomainEvent<K extends EventKind = EventKind> = EventBase<K> & EventPayloads[K];
