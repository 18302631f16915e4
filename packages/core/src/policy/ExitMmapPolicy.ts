import { ContainerModule } from 'inversify';

/**
 * `exit.mmap` (POLICIES.md): how the last user of a Linux address space tears it down
 * (mm/mmap.c exit_mmap) as seen by process_mrelease (mm/oom_kill.c), which reaps a dying
 * process's memory under the map lock read-held, holding only an mmgrab reference.
 *
 * - `atomic` (default): the teardown is one step (vmspace_exit), as everywhere else in the
 *   model: process_mrelease finds the map whole or the process gone.
 * - `locked_reset` (Linux 5.17 and later): exit_mmap holds the map lock for writing over the
 *   teardown (unmap_vmas may reschedule; free_pgtables and remove_vma follow), and resets
 *   the area list before it unlocks ("mm: fix use-after-free bug when mm->mmap is reused
 *   after being freed", f798a1d4f94d): a reaper that got the lock after it walks nothing.
 * - `locked_stale` (Linux 5.15 and 5.16, after process_mrelease came in 884a7e5964e0; a
 *   legacy value in @vmlab/plugins): the same teardown, but mm->mmap kept pointing at the
 *   freed areas. The oom reaper was safe because it only reaps oom victims, for which
 *   exit_mmap set MMF_OOM_SKIP first; process_mrelease reaps any dying process, so one that
 *   slept on the map lock walked the freed list (the KASAN use-after-free).
 */
export const ExitMmapPolicy = Symbol('ExitMmapPolicy');
export interface ExitMmapPolicy {
  readonly value: string;
  /** exit_mmap holds the map lock for writing and may sleep in the teardown. */
  readonly locked: boolean;
  /** exit_mmap resets the area list (mm->mmap = NULL) before it unlocks. */
  readonly resetList: boolean;
}

export const exitMmapAtomic: ExitMmapPolicy = { value: 'atomic', locked: false, resetList: true };
export const exitMmapLockedReset: ExitMmapPolicy = { value: 'locked_reset', locked: true, resetList: true };

/** The policy key (owned by core). */
export const EXIT_MMAP = 'exit.mmap';

export const exitMmapAtomicModule = new ContainerModule(({ bind }) => {
  bind<ExitMmapPolicy>(ExitMmapPolicy).toConstantValue(exitMmapAtomic);
});

export const exitMmapLockedResetModule = new ContainerModule(({ bind, isBound, rebind }) => {
  if (isBound(ExitMmapPolicy)) rebind<ExitMmapPolicy>(ExitMmapPolicy).toConstantValue(exitMmapLockedReset);
  else bind<ExitMmapPolicy>(ExitMmapPolicy).toConstantValue(exitMmapLockedReset);
});
