import { OK, type Outcome, errno } from '../abi/outcome.ts';
import type { Process } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/**
 * process_mrelease(pidfd, flags) (Linux 5.15, mm/oom_kill.c; man process_mrelease(2)): the
 * caller releases the memory of a process that is dying, before its own exit gets there.
 * EINVAL for flags other than 0, and for a target that is not dying (task_will_free_mem:
 * not exiting, here a running or still-forking process); ESRCH for one already waited for;
 * 0 when the target has no address space left (find_lock_task_mm finds no mm). Otherwise
 * it takes a reference to the mm_struct only (mmgrab, not the users' count), sleeps for the
 * map lock read-held (mmap_read_lock_killable) and reaps (__oom_reap_task_mm).
 */
export function* processMrelease(k: Kernel, target: Process, flags: number): KGen<Outcome> {
  if (flags !== 0) return errno('EINVAL');
  if (target.state === 'reaped') return errno('ESRCH');
  if (target.state === 'zombie' || target.vmspace.dead) return OK;
  if (target.state !== 'exiting' || target.kernel) return errno('EINVAL');
  const vms = target.vmspace;
  const map = vms.map;
  yield* map.lock.lockShared();
  try {
    oomReap(k, vms, target.pid);
  } finally {
    map.lock.unlockShared();
  }
  return OK;
}

/**
 * __oom_reap_task_mm: walks the area list (mm->mmap) and unmaps each private anonymous
 * area that is not locked in memory (VM_LOCKED), freeing the pages only it maps. An area
 * exit_mmap already freed (`freed`, reachable only through the list `locked_stale` left) is
 * a use after free: recorded for the `mrelease_walk` invariant (KASAN's report) and skipped.
 */
function oomReap(k: Kernel, vms: Vmspace, pid: number): void {
  for (const e of vms.map.entries) {
    if (e.freed) {
      k.staleVmaUses.push(
        `process_mrelease walked pid ${pid}'s area [0x${e.start.toString(16)}, 0x${e.end.toString(16)}) after exit_mmap freed it (use after free)`,
      );
      continue;
    }
    if (e.file !== null || e.shared || e.wiredCount > 0 || vms.dead) continue;
    k.pmapRemove(vms, e.start, e.end, 'oom_reap');
    const o = e.object;
    if (o?.isAnon === true && o.refCount === 1 && o.backing === null) k.objects.pageRemove(o, e.offset, e.offset + e.pages, false);
  }
  k.counters.add('oom_reap.calls');
}
