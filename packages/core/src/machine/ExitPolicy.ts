import { ContainerModule } from 'inversify';
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
