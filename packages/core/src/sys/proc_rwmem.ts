import { Access } from '../abi/constants.ts';
import { type Outcome, errno } from '../abi/outcome.ts';
import { vmspaceFree } from '../exit/vmspaceFree.ts';
import { FAULT_FORCE_COPY, FaultResult, vmFault } from '../fault/vmFault.ts';
import type { Process } from '../proc/Process.ts';
import { type KGen, settle } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { wordAccess } from './trap.ts';

/**
 * peek / poke: a debugger's access to another process's memory (FreeBSD
 * sys/kern/sys_process.c proc_rwmem; OpenBSD uvm_io): a temporary vmspace reference, a
 * fault in the target's map (a write to a private read-only mapping copies the page, as
 * VM_PROT_COPY), no MD key checks. EFAULT for an exiting process, an unmapped address, or
 * an emptied map.
 */
export function* debugAccess(k: Kernel, target: Process, va: number, write: boolean, value?: number): KGen<Outcome> {
  if (target.state !== 'running') return errno('EFAULT');
  if (va % 4 !== 0 || va < 0 || va >= k.userTop) return errno('EFAULT');
  const vms = target.vmspace;
  if (vms.dead || vms.refs < 1) return errno('EFAULT');
  vms.refs++;
  try {
    // uvm_io / proc_rwmem take the target's map lock and may sleep: the target can exit here.
    yield { reason: 'proc_rwmem: lock target map' };
    const access = write ? Access.Write : Access.Read;
    const r = yield* settle(vmFault(k.vm, vms, va, access, -1, write ? FAULT_FORCE_COPY : 0));
    if (r !== FaultResult.Success || vms.dead) return errno('EFAULT');
    const frame = vms.pmap.extract(va);
    return frame < 0 ? errno('EFAULT') : wordAccess(k, frame, va, write, value);
  } finally {
    vmspaceFree(k.vm, vms);
  }
}
