import { ContainerModule } from 'inversify';
import { uvmspacePurge } from '../exit/uvmspacePurge.ts';
import { pmapRelease, vmspaceFree, vmspaceTeardown } from '../exit/vmspaceFree.ts';
import { exitMmap } from '../exit/exitMmap.ts';
import { lockOwner } from '../map/vmMapLock.ts';
import type { ExitPolicy as ExitPolicyShape } from '../vm/VmContext.ts';

/**
 * `exit.teardown`: what exit, wait and the last vmspace reference do to an address space.
 * Bound by value; core calls it and holds no `if` on the policy. The routines it strings
 * together live in exit/.
 */
export const ExitPolicy = Symbol('ExitPolicy');
/** The interface (declared beside the context in vm/VmContext.ts). */
export type ExitPolicy = ExitPolicyShape;

/** `last_reference` (FreeBSD vmspace_exit): exit drops the reference; the last one tears down. */
export const exitAtLastReference: ExitPolicy = {
  value: 'last_reference',
  *exit(ctx, p, t) {
    // exit1 may sleep before vmspace_exit (a concurrent debugger access can race it).
    yield { reason: 'exit1: before vmspace_exit' };
    if (p.kernel) return;
    // Linux's mmput of the last user: exit_mmap under the map lock (`exit.mmap: locked_*`).
    if (ctx.exitMmap.locked && p.vmspace.refs === 1) yield* exitMmap(ctx, p.vmspace, lockOwner(p.pid, t.tid));
    else vmspaceFree(ctx, p.vmspace);
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
