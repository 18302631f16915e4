import { ContainerModule } from 'inversify';
import { vmMapDelete } from '../map/vmMapOps.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';

/**
 * `exit.teardown`: what exit, wait and the last vmspace reference do to an address space.
 * Bound by value; core calls it and holds no `if` on the policy.
 */
export const ExitPolicy = Symbol('ExitPolicy');
export interface ExitPolicy {
  readonly value: string;
  /** The exiting process's last thread, in exit1. May sleep. */
  exit(k: Kernel, p: Process, t: Thread): KGen<void>;
  /** The parent's wait reaps the process. */
  reap(k: Kernel, p: Process): void;
  /** The last reference to vms was dropped (vmspace_free). */
  lastReference(k: Kernel, vms: Vmspace): void;
}

/** `last_reference` (FreeBSD vmspace_exit): exit drops the reference; the last one tears down. */
export const exitAtLastReference: ExitPolicy = {
  value: 'last_reference',
  *exit(k, p) {
    // exit1 may sleep before vmspace_exit (a concurrent debugger access can race it).
    yield { reason: 'exit1: before vmspace_exit' };
    if (!p.kernel) k.vmspaceFree(p.vmspace);
  },
  reap() {},
  lastReference(k, vms) {
    k.teardown(vms);
  },
};

export const exitLastReferenceModule = new ContainerModule(({ bind }) => {
  bind<ExitPolicy>(ExitPolicy).toConstantValue(exitAtLastReference);
});

/**
 * uvmspace_purge (OpenBSD, T4.3): empties a user map, leaving it valid. Every entry is
 * deleted as munmap deletes it (a `map_delete` each, its object reference dropped); a
 * `purge` event only when there was something to remove, so a second purge is a no-op.
 * The reference count is not touched. Returns the number of entries removed.
 */
export function uvmspacePurge(k: Kernel, vms: Vmspace): number {
  if (vms.kernel || vms.dead) return 0;
  const n = vms.map.size;
  vms.purged = true;
  if (n === 0) return 0;
  k.bus.emit({ kind: 'purge', pid: k.ownerOf(vms), pmap: vms.pmap, entries: n });
  vmMapDelete(k, vms, vms.map.min, vms.map.max);
  return n;
}

/**
 * `purge_in_exit` (OpenBSD uvm_purge, T4.1–T4.7): the exiting process's last thread empties
 * its own map in exit1 (the cost charged to it: the `purge.entries` and `purge.pages`
 * counters), keeping its reference; `wait` drops that reference (uvm_exit from the reaper);
 * whoever drops the last one purges again (a no-op) and destroys the pmap, exactly once.
 * Kernel threads share the kernel vmspace and never purge it.
 */
export const exitPurgeInExit: ExitPolicy = {
  value: 'purge_in_exit',
  *exit(k, p) {
    if (p.kernel) return;
    // exit1 releases the kernel lock around uvm_purge: other threads can run here.
    yield { reason: 'exit1: release kernel lock before uvm_purge' };
    const vms = p.vmspace;
    const pages = vms.dead ? 0 : vms.pmap.residentCount;
    const n = uvmspacePurge(k, vms);
    if (n > 0) {
      k.counters.add('purge.entries', n);
      k.counters.add('purge.pages', pages);
    }
  },
  reap(k, p) {
    if (!p.kernel) k.vmspaceFree(p.vmspace);
  },
  lastReference(k, vms) {
    uvmspacePurge(k, vms);
    k.destroyPmap(vms);
  },
};

export const exitPurgeInExitModule = new ContainerModule(({ rebind }) => {
  rebind<ExitPolicy>(ExitPolicy).toConstantValue(exitPurgeInExit);
});
