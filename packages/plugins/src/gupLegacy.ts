import { GUP_FORCE_COW, GupPolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `gup.force_cow: drop_foll_write`, Linux 2.6.22 to 4.8 (Dirty COW, CVE-2016-5195). After
 * get_user_pages' write fault broke copy-on-write in a private area without VM_WRITE,
 * faultin_page (mm/gup.c) cleared FOLL_WRITE from the loop's flags so that the retried
 * follow_page_mask would accept the read-only copy; the retry then accepts whatever page is
 * present. A thread calling madvise(MADV_DONTNEED) between the fault and the retry (the loop's
 * cond_resched) zaps the copy, the retry read-faults the page cache page, and the forced write
 * (/proc/self/mem, ptrace) lands in the file. Fixed by 19be0eaffa3a ("mm: remove gup_flags
 * FOLL_WRITE games from __get_user_pages()"), which keeps FOLL_WRITE and adds FOLL_COW.
 */
export const gupDropFollWrite: GupPolicy = { value: 'drop_foll_write', dropWriteAfterCow: true };

export const gupDropFollWriteModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(GupPolicy)) rebind<GupPolicy>(GupPolicy).toConstantValue(gupDropFollWrite);
  else bind<GupPolicy>(GupPolicy).toConstantValue(gupDropFollWrite);
});

/** The policy binding of `gup.force_cow: drop_foll_write`. */
export const gupDropFollWriteBinding: PolicyBinding = { key: GUP_FORCE_COW, value: 'drop_foll_write', module: gupDropFollWriteModule };
