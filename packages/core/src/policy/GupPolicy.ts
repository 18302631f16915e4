import { ContainerModule } from 'inversify';

/**
 * `gup.force_cow` (POLICIES.md; Dirty COW, CVE-2016-5195): how Linux's get_user_pages loop
 * (mm/gup.c __get_user_pages) finishes a forced write (FOLL_FORCE | FOLL_WRITE, as
 * /proc/PID/mem and ptrace(POKEDATA) do through access_remote_vm) into a private mapping
 * without write permission. The loop looks the PTE up with the access's write intent
 * (follow_page_pte); when that fails it faults (faultin_page: handle_mm_fault with
 * FAULT_FLAG_WRITE breaks copy-on-write into an anonymous page that the read-only area maps
 * without write permission), reschedules (cond_resched) and looks again.
 *
 * - `foll_cow` (the fix, default; commit 19be0eaffa3a, "mm: remove gup_flags FOLL_WRITE
 *   games from __get_user_pages()", Linux 4.9 and the stable kernels of October 2016):
 *   faultin_page sets FOLL_COW, and the retried lookup keeps the write intent, accepting a
 *   non-writable PTE only when it is the page the copy-on-write fault made
 *   (can_follow_write_pte: FOLL_FORCE, FOLL_COW and a dirty PTE). If MADV_DONTNEED zapped
 *   that copy meanwhile, the lookup fails and the loop faults for write again.
 * - `drop_foll_write` (the bug, from Linux 2.6.22 to 4.8; a legacy value in
 *   @vmlab/plugins): faultin_page cleared FOLL_WRITE after the copy-on-write fault
 *   (`if ((ret & VM_FAULT_WRITE) && !(vma->vm_flags & VM_WRITE)) *flags &= ~FOLL_WRITE`),
 *   so the retried lookup accepts any present page; if the copy was zapped in between, the
 *   retry read-faults the page cache page and the write lands in the file.
 */
export const GupPolicy = Symbol('GupPolicy');
export interface GupPolicy {
  readonly value: string;
  /** faultin_page clears the write intent after a copy-on-write fault in an area without VM_WRITE. */
  readonly dropWriteAfterCow: boolean;
}

export const gupFollCow: GupPolicy = { value: 'foll_cow', dropWriteAfterCow: false };

/** The policy key (owned by core). */
export const GUP_FORCE_COW = 'gup.force_cow';

/** The default binding, loaded by coreModule. */
export const gupDefaultModule = new ContainerModule(({ bind }) => {
  bind<GupPolicy>(GupPolicy).toConstantValue(gupFollCow);
});
