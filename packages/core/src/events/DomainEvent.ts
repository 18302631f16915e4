import type { VmObject } from '../object/VmObject.ts';
import type { Pmap, PmapThread } from '../pmap/Pmap.ts';
import type { EventKind, RemoveReason } from './kinds.ts';

/** Every event names its kind and the command (sequence number) that caused it. */
export interface EventBase<K extends EventKind> {
  readonly kind: K;
  /** Sequence number of the command that caused it (set by the bus). */
  cause: number;
}

/**
 * Payloads by kind: the MI→MD seam. Each kind says which routine emits it (one helper per
 * kind in events/emit.ts is the only place it is published), whether it comes before or
 * after the physical change it names, what a subscriber may rely on, and the FreeBSD hook
 * it stands for. Delivery is synchronous and in order, before the emitting routine goes
 * on; a kind nobody listens to costs a counter increment and builds no payload. `pmap`
 * fields are references (the event log records their ids). MD metadata whose lifetime is
 * the logical mapping follows `spawn`/`fork`/`exec` → `map_delete` → `teardown` →
 * `pmap_destroy` (docs/writing-a-pmap.md §3), never `pmap_remove`.
 */
export interface EventPayloads {
  /**
   * A user access's fault was handled (sys/trap.ts, trap_pfault): after vm_fault returned
   * and, on `ok`, after its pmap_enter; `signal` when it became one. Not emitted for
   * copyin/copyout, debugger access or mlock's faults. No FreeBSD pmap hook (trap.c).
   */
  fault: { pid: number; tid: number; va: number; access: number; outcome: string };
  /**
   * pmap_enter (pmap/pmapCalls.ts, from vm_fault's last step): after the translation is
   * installed; the PTE for va → frame with `prot` is present. Stands for pmap_enter itself.
   */
  pmap_enter: { pmap: Pmap; va: number; frame: number; prot: number };
  /**
   * pmap_remove (pmap/pmapCalls.ts): before the translations of [start, end) are removed
   * (a subscriber still sees them). Physical only: `reason` names the MI path (munmap's
   * map_delete, protect to none, msync invalidate, swapout, revoke, madvise, ...), and no
   * reason ends a logical mapping. Stands for pmap_remove.
   */
  pmap_remove: { pmap: Pmap; start: number; end: number; reason: RemoveReason };
  /**
   * The logical unmap of one entry (map/vmMapOps.ts vmMapDelete, for munmap, a MAP_FIXED
   * replacement, exec, teardown and purge): before the entry's translations are removed
   * (its `pmap_remove` follows) and before the entry leaves the map and drops its object.
   * Not emitted for an entry the `map_delete.skips` policy skips. Metadata of the mapping
   * ends here. Stands for pmap_map_delete (called from vm_map_delete).
   *
   * For pagers it also stands for vm_map_entry_delete's object step: `object` is the entry's
   * object (null for an entry never backed), `pindex` the object index of `start`, and
   * `onlyMapping` says this entry was the only mapping of the object's range
   * [pindex, pindex + (end - start) / PAGE_SIZE) while the object outlives the entry
   * (OBJ_ONEMAPPING and a reference other than this entry's, ref_count != 1): nothing can
   * reach that range again, so FreeBSD frees its swap there (swap_pager_freespace). When
   * this entry holds the last reference the object dies instead (pgo_dealloc).
   */
  map_delete: { pid: number; pmap: Pmap; start: number; end: number; object: VmObject | null; pindex: number; onlyMapping: boolean };
  /**
   * A whole-process swapout (sys/vm_swapout.ts): before the map's translations go (a
   * `pmap_remove` with reason `swapout` follows) and pages are paged out; `pages` is the
   * resident count before. The mappings survive. FreeBSD has no pmap hook here
   * (vm_swapout_map_deactivate_pages calls pmap_remove): the event says the removal is physical.
   */
  swapout: { pid: number; pmap: Pmap; pages: number };
  /**
   * fork (fork/vmspaceFork.ts): after the parent map is locked, before any entry is copied;
   * the child's pmap is empty, `thread`/`childThread` carry the MD thread state to copy.
   * Stands for pmap_vmspace_copy (vmspace_fork) and cpu_fork's MD state copy.
   */
  fork: { pid: number; child: number; pmap: Pmap; childPmap: Pmap; thread: PmapThread; childThread: PmapThread };
  /**
   * execve (sys/kern_exec.ts, exec_new_vmspace): an unshared space is reused (`pmap` =
   * `oldPmap`; emitted before its `teardown` and the deletion of every entry); a shared
   * one is replaced (`pmap` is the new, empty space, emitted after the switch and before
   * the old space's reference is dropped). Stands for exec_new_vmspace (and the MD
   * cpu_exec_vmspace_reuse / exec_setregs resets).
   */
  exec: { pid: number; pmap: Pmap; oldPmap: Pmap; thread: PmapThread };
  /**
   * exit1 (sys/kern_exit.ts): the last thread starts the exit path; emitted before the
   * `exit.teardown` policy acts, the map still intact. No pmap hook (exit1).
   */
  exit: { pid: number; tid: number };
  /**
   * mprotect (sys/vm_mmap.ts): after the entries of [start, end) have `prot` and their
   * translations were lowered (vm_map_protect's pmap_protect, or a `pmap_remove` with
   * reason `protect` for none). No FreeBSD pmap hook (the MD key call is pkey_mprotect).
   */
  protect: { pid: number; pmap: Pmap; start: number; end: number; prot: number };
  /**
   * madvise (sys/vm_mmap.ts): after the madvise policy's work on [start, end) succeeded
   * (emitted only on success). Stands for nothing in the pmap beyond pmap_advise.
   */
  madvise: { pid: number; pmap: Pmap; start: number; end: number; advice: string };
  /**
   * OpenBSD's uvmspace_purge (exit/uvmspacePurge.ts, `exit.teardown: purge_in_exit`):
   * before the map is emptied (each entry then gets its `map_delete`); only when there was
   * something to remove, so a second purge emits nothing. The pmap lives on.
   */
  purge: { pid: number; pmap: Pmap; entries: number };
  /**
   * pmap_release (exit/vmspaceFree.ts pmapRelease, at the last reference): before
   * Pmap.destroy, exactly once per pmap; the map is already empty. Stands for pmap_release.
   */
  pmap_destroy: { pmap: Pmap };
  /**
   * One mapping revoked (revoke/revokeModes.ts): before its translations are removed (a
   * `pmap_remove` with reason `revoke` follows) and, under `replace_entry`, before the
   * entry drops its object. Never a `map_delete`: the entry stays in the map. Stands for
   * the revoke_mappings walk (Linux unmap_mapping_range); FreeBSD has no hook.
   */
  revoke: { pid: number; pmap: Pmap; start: number; end: number; file: string };
  /**
   * A file's object stops paging in (revoke/revokeModes.ts, `revoke.mode: zap`, at the start
   * of the revocation walk): the file is already marked revoked (new mmaps fail), its cached
   * pages are discarded right after, and no mapping has been revoked yet. From this event
   * on, every page-in of `object` fails as a missing page (SIGBUS/BUS_ADRERR) and nothing is
   * written back to the file; the vnode pager keeps that state. Under `replace_entry` the
   * mappings lose the object instead and this event is not emitted. Stands for the revoked
   * file's fault handler returning VM_FAULT_SIGBUS (Linux) / vgone's vnode_destroy_vobject.
   */
  file_revoke: { file: string; object: VmObject };
  /**
   * A TLB invalidation (pmap/SoftPmap.ts): after the PTE change, one per CPU that may cache
   * the range (`remote` for another CPU; queued until its `context_switch` under
   * `tlb.shootdown: deferred`). Stands for pmap_invalidate_range and its shootdown IPIs.
   */
  tlb_invalidate: { pmap: Pmap; start: number; end: number; cpu: number; remote: boolean };
  /**
   * A page read by its pager in a fault (fault/vmFault.ts pageIn): after the page is filled
   * and unbusied, before the fault rechecks the map. Stands for vm_pager_get_pages' return.
   */
  pagein: { object: number; pindex: number; count: number };
  /**
   * Pages written by their pager (pageout/pageoutPage.ts; map/vmMapOps.ts vmMapSync for
   * msync): after putpages succeeded and the pages were cleaned, before a paged-out page
   * loses its translations and is freed. Stands for vm_pager_put_pages' return.
   */
  pageout: { object: number; pindex: number; count: number };
  /**
   * A process started with an empty map, or a kernel process on the kernel's
   * (sys/kern_fork.ts spawn): after its first thread exists and activated the pmap; MD
   * per-address-space state starts here. The simulator's process creation (no FreeBSD hook).
   */
  spawn: { pid: number; pmap: Pmap; kernel: boolean; thread: PmapThread };
  /**
   * A thread created (sys/kern_fork.ts): after it exists and its CPU activated the pmap;
   * `by` is the creating thread (null for a spawn's first). Stands for cpu_copy_thread's
   * MD register copy.
   */
  thread_create: { pid: number; tid: number; thread: PmapThread; by: PmapThread | null };
  /** A thread other than the last exited (sys/kern_exit.ts, thread_exit): after it is marked dead. */
  thread_exit: { pid: number; tid: number };
  /**
   * mmap (sys/vm_mmap.ts): after the new entry is in the map (no translations yet; a
   * replaced MAP_FIXED range had its `map_delete` first). No pmap hook (vm_map_insert).
   */
  mmap: { pid: number; pmap: Pmap; start: number; end: number; prot: number; mdFlags: number };
  /** msync (sys/vm_mmap.ts): after vm_map_sync wrote back (and with invalidate, removed) the range. No pmap hook. */
  msync: { pid: number; pmap: Pmap; start: number; end: number; invalidate: boolean };
  /**
   * The address space's translations all go (exit/vmspaceFree.ts at the last reference,
   * unless purged; sys/kern_exec.ts on reuse): before Pmap.removePages and before the
   * entries are deleted. Stands for pmap_remove_pages.
   */
  teardown: { pid: number; pmap: Pmap };
  /** vm_object_split (object/VmObjects.ts): after the range's pages moved to `into`. No pmap hook. */
  object_split: { object: number; into: number; start: number; end: number };
  /** vm_object_collapse (object/VmObjects.ts): after `backing` was absorbed into `object` and is dead. No pmap hook. */
  object_collapse: { object: number; backing: number };
  /** vm_object_terminate (object/VmObjects.ts): after the object's pages and pager store were freed. No pmap hook. */
  object_terminate: { object: number };
  /** mlock/munlock (map/vmMapOps.ts vmMapWire/vmMapUnwire): after the entry's pages were wired (faulted in) or unwired. */
  wire: { pid: number; start: number; end: number; wired: boolean };
  /**
   * A CPU switches threads (sys/Kernel.ts contextSwitch): nothing in the VM changes; a
   * deferred shootdown completes here. Stands for cpu_switch / pmap_activate_sw.
   */
  context_switch: { cpu: number };
  /** Declared for signal delivery; no routine emits it yet (a fault's signal shows in `fault`). */
  signal: { pid: number; tid: number; signal: string; code: string; addr: number };
}

export type DomainEvent<K extends EventKind = EventKind> = EventBase<K> & EventPayloads[K];
