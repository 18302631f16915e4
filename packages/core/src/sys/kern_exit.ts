import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { vmspaceFree } from '../exit/vmspaceFree.ts';
import type { Process, Thread } from '../proc/Process.ts';
import { type KGen, runSerial } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { emitExit, emitThreadExit } from '../events/emit.ts';

/**
 * Process exit and reaping (FreeBSD sys/kern/kern_exit.c exit1, kern_wait; kern_thread.c
 * thread_exit), and named vmspace references (`hold`/`release`: vmspace_acquire_ref and
 * vmspace_free, as ptrace and sysctl take them). What happens to the address space is the
 * `exit.teardown` policy's (policy/ExitPolicy.ts, routines in exit/).
 */

/** thread_exit: never touches the map; the last thread's exit is the process's exit. */
export function threadExit(k: Kernel, p: Process, t: Thread): Outcome {
  if (p.liveThreads === 1) return runSerial(exit(k, p, t));
  t.alive = false;
  emitThreadExit(k.bus, p.pid, t.tid);
  return OK;
}

/** exit1: the process's last thread runs the exit path (the teardown policy decides what goes). */
export function* exit(k: Kernel, p: Process, t: Thread): KGen<Outcome> {
  if (p.state !== 'running') return errno('ESRCH');
  p.state = 'exiting';
  emitExit(k.bus, p.pid, t.tid);
  yield* k.exitPolicy.exit(k.vm, p, t);
  for (const th of p.threads.values()) th.alive = false;
  p.state = 'zombie';
  return OK;
}

/** wait: the parent reaps an exited process; its vmspace reference goes with it if still held. */
export function wait(k: Kernel, p: Process): Outcome {
  if (p.state === 'running' || p.state === 'exiting') return errno('EBUSY');
  k.exitPolicy.reap(k.vm, p);
  p.state = 'reaped';
  return OK;
}

/** hold: a named reference to p's address space (vmspace_acquire_ref). */
export function hold(k: Kernel, p: Process, holder: string): Outcome {
  const holders = k.vm.holders;
  if (holders.has(holder)) return errno('EBUSY');
  const vms = p.vmspace;
  if (vms.dead || vms.refs < 1 || p.state === 'exiting') return errno('EFAULT');
  vms.refs++;
  holders.set(holder, vms);
  k.vm.mem.changes.holders();
  return OK;
}

/** release: drops a named reference (vmspace_free); the last one tears the space down. */
export function release(k: Kernel, holder: string): Outcome {
  const holders = k.vm.holders;
  const vms = holders.get(holder);
  if (vms === undefined) return errno('EINVAL');
  holders.delete(holder);
  k.vm.mem.changes.holders();
  vmspaceFree(k.vm, vms);
  return OK;
}
