import { ContainerModule } from 'inversify';
import { uvmspacePurge } from '../exit/uvmspacePurge.ts';
import { pmapRelease, vmspaceFree, vmspaceTeardown } from '../exit/vmspaceFree.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';

/**
 * `exit.teardown`: what exit, wait and the last vmspace reference do to an address space.
 * Bound by value; core calls it and holds no `if` on the policy. The routines it strings
 * together live in exit/.
 */
export const ExitPolicy = Symbol('ExitPolicy');
export interface ExitPolicy {
  readonly value: string;
  /** The exiting process's last thread, in exit1. May sleep. */
  exit(ctx: VmContext, p: Process, t: Thread): KGen<void>;
  /** The parent's wait reaps the process. */
  reap(ctx: VmContext, p: Process): void;
  /** The last reference to vms was dropped (vmspace_free). */
  lastReference(ctx: VmContext, vms: Vmspace): void;
}

/** `last_reference` (FreeBSD vmspace_exit): exit drops the reference; the last one tears down. */
export const exitAtLastReference: ExitPolicy = {
  value: 'last_reference',
  *exit(ctx, p) {
    // exit1 may sleep before vmspace_exit (a concurrent debugger access can race it).
    yield { reason: 'exit1: before vmspace_exit' };
    if (!p.kernel) vmspaceFree(ctx, p.vmspace);
  },
  reap() {},
  lastReference(ctx, vms) {
    vmspaceTeardown(ctx, vms);
  },
};

/**
 * `purge_in_exit` (OpenBSD uvm_purge, T4.1–T4.7): the exiting process's last thread empties
 * its own map in exit1 (the cost charged to it: the `purge.entries` and `purge.pages`
 * counters), keeping its reference; `wait` drops that reference (uvm_exit from the reaper);
 * whoever drops the last one purges again (a no-op) and destroys the pmap, exactly once.
 * Kernel threads share the kernel vmspace and never purge it.
 */
export const exitPurgeInExit: ExitPolicy = {
  value: 'purge_in_exit',
  *exit(ctx, p) {
    if (p.kernel) return;
    // exit1 releases the kernel lock around uvm_purge: other threads can run here.
    yield { reason: 'exit1: release kernel lock before uvm_purge' };
    const vms = p.vmspace;
    const pages = vms.dead ? 0 : vms.pmap.residentCount;
    const n = uvmspacePurge(ctx, vms);
    if (n > 0) {
      ctx.counters.add('purge.entries', n);
      ctx.counters.add('purge.pages', pages);
    }
  },
  reap(ctx, p) {
    if (!p.kernel) vmspaceFree(ctx, p.vmspace);
  },
  lastReference(ctx, vms) {
    uvmspacePurge(ctx, vms);
    pmapRelease(ctx, vms);
  },
};

export const exitLastReferenceModule = new ContainerModule(({ bind }) => {
  bind<ExitPolicy>(ExitPolicy).toConstantValue(exitAtLastReference);
});

export const exitPurgeInExitModule = new ContainerModule(({ rebind }) => {
  rebind<ExitPolicy>(ExitPolicy).toConstantValue(exitPurgeInExit);
});
