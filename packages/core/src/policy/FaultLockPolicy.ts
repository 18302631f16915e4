import { ContainerModule } from 'inversify';

/**
 * `fault.lock` (POLICIES.md): what a page fault locks to find its map entry, and what fork
 * locks against it.
 *
 * - `mmap_lock` (default): the fault takes the map lock shared (vm_map_lookup, Linux's
 *   mmap_read_lock), so it waits while fork or any other map writer holds it exclusively.
 * - `vma_lock` (Linux 6.4.3 and later, CONFIG_PER_VMA_LOCK): a fault on a private anonymous
 *   area first tries that area's own lock (mm/memory.c lock_vma_under_rcu: vma_start_read
 *   fails when the area is write-locked) and falls back to the map lock when it cannot
 *   have it. A fault under the area lock that must page in ends that lock and returns
 *   VM_FAULT_RETRY before any I/O (mm/memory.c do_swap_page, Linux 6.4 to 6.6; later
 *   kernels keep the area lock over a synchronous read or drop it in folio_lock_or_retry),
 *   and one that finds the page busy waits with it dropped (folio_lock_or_retry); both are
 *   done again under the map lock. munmap, MAP_FIXED and mprotect write-lock each area
 *   they change (vma_start_write in mm/mmap.c do_vmi_align_munmap and mm/mprotect.c
 *   mprotect_fixup), waiting for a fault asleep under it. fork's dup_mmap (kernel/fork.c)
 *   write-locks each of the parent's areas
 *   (vma_start_write, waiting for faults holding it) before it copies it, and they stay
 *   write-locked until the map lock is dropped; the parent's write-protected PTEs are
 *   flushed from the other CPUs' TLBs once, at the end (flush_tlb_mm before
 *   mmap_write_unlock). A copy-on-write fault sleeps between copying the page and
 *   installing the copy (wp_page_copy: mem_cgroup_charge with GFP_KERNEL).
 * - `vma_lock_6_4` (Linux 6.4.0 to 6.4.2; a legacy value in @vmlab/plugins): the same, but
 *   dup_mmap did not write-lock the parent's areas, so a fault ran under the area lock
 *   during fork. A copy-on-write fault in the parent before fork's TLB flush replaced the
 *   page while another CPU still had a writable TLB entry to the old one, now the child's:
 *   that thread's writes went to the child and were lost to the parent. Fixed by "fork:
 *   lock VMAs of the parent process when forking" (fb49c455323f, Linux 6.4.3).
 */
export const FaultLockPolicy = Symbol('FaultLockPolicy');
export interface FaultLockPolicy {
  readonly value: string;
  /** Faults on private anonymous areas try the per-area lock first (lock_vma_under_rcu). */
  readonly vmaLock: boolean;
  /** dup_mmap write-locks each parent area before it copies it (the 6.4.3 fix). */
  readonly forkLocksVmas: boolean;
}

export const faultMmapLock: FaultLockPolicy = { value: 'mmap_lock', vmaLock: false, forkLocksVmas: false };
export const faultVmaLock: FaultLockPolicy = { value: 'vma_lock', vmaLock: true, forkLocksVmas: true };

/** The policy key (owned by core). */
export const FAULT_LOCK = 'fault.lock';

/** The default binding, loaded by coreModule. */
export const faultMmapLockModule = new ContainerModule(({ bind }) => {
  bind<FaultLockPolicy>(FaultLockPolicy).toConstantValue(faultMmapLock);
});

/** `fault.lock: vma_lock` (a core value). */
export const faultVmaLockModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(FaultLockPolicy)) rebind<FaultLockPolicy>(FaultLockPolicy).toConstantValue(faultVmaLock);
  else bind<FaultLockPolicy>(FaultLockPolicy).toConstantValue(faultVmaLock);
});
