import { EXIT_MMAP, ExitMmapPolicy, type PolicyBinding } from '@vmlab/core';
import { ContainerModule } from 'inversify';

/**
 * `exit.mmap: locked_stale`, Linux 5.15 and 5.16: exit_mmap (mm/mmap.c) tore the address
 * space down under the map lock held for writing but left mm->mmap pointing at the areas it
 * had freed. process_mrelease (mm/oom_kill.c, 884a7e5964e0) reaps any dying process, not
 * only oom victims for which MMF_OOM_SKIP was set first, so a call that slept on the map
 * lock then walked the freed list in __oom_reap_task_mm. Fixed by f798a1d4f94d ("mm: fix
 * use-after-free bug when mm->mmap is reused after being freed", Linux 5.17).
 */
export const exitMmapLockedStale: ExitMmapPolicy = { value: 'locked_stale', locked: true, resetList: false };

export const exitMmapLockedStaleModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(ExitMmapPolicy)) rebind<ExitMmapPolicy>(ExitMmapPolicy).toConstantValue(exitMmapLockedStale);
  else bind<ExitMmapPolicy>(ExitMmapPolicy).toConstantValue(exitMmapLockedStale);
});

/** The policy binding of `exit.mmap: locked_stale`. */
export const exitMmapLockedStaleBinding: PolicyBinding = { key: EXIT_MMAP, value: 'locked_stale', module: exitMmapLockedStaleModule };
