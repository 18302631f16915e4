import { FAULT_LOCK, FaultLockPolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `fault.lock: vma_lock_6_4`, Linux 6.4.0 to 6.4.2: page faults on private anonymous areas
 * ran under the per-VMA lock (lock_vma_under_rcu, enabled for x86 by 0bff0aaea03e) while
 * fork's dup_mmap did not write-lock the parent's areas. A copy-on-write fault in the parent
 * during fork, after copy_present_pte write-protected the page and before dup_mmap's
 * flush_tlb_mm, replaced the page while another CPU's writable TLB entry still pointed at
 * the old one, which the child keeps: a write through it reached the child and was lost to
 * the parent (Jiri Slaby's and Jacob Young's memory corruption, bugzilla 217624). Fixed by
 * fb49c455323f ("fork: lock VMAs of the parent process when forking", Linux 6.4.3).
 */
export const faultVmaLock64: FaultLockPolicy = { value: 'vma_lock_6_4', vmaLock: true, forkLocksVmas: false };

export const faultVmaLock64Module = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(FaultLockPolicy)) rebind<FaultLockPolicy>(FaultLockPolicy).toConstantValue(faultVmaLock64);
  else bind<FaultLockPolicy>(FaultLockPolicy).toConstantValue(faultVmaLock64);
});

/** The policy binding of `fault.lock: vma_lock_6_4`. */
export const faultVmaLock64Binding: PolicyBinding = { key: FAULT_LOCK, value: 'vma_lock_6_4', module: faultVmaLock64Module };
