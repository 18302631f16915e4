import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { vmspaceFork } from '../fork/vmspaceFork.ts';
import { Process, Thread } from '../proc/Process.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { emitSpawn, emitThreadCreate } from '../events/emit.ts';

/**
 * Process and thread creation (FreeBSD sys/kern/kern_fork.c fork1, kern_thr.c thread_create;
 * spawn is the simulator's way to start a process with an empty map).
 */

/** spawn: a new process with an empty user map (or the kernel's, for a kernel process). */
export function spawn(k: Kernel, pid: number, kernel: boolean, cpu?: number): Outcome {
  // The scenario names the pid; one in use (or reaped: pids are not reused) is EEXIST.
  if (k.procs.has(pid)) return errno('EEXIST');
  if (cpu !== undefined && (cpu < 0 || cpu >= k.config.cpus)) return errno('EINVAL');
  const vm = k.vm;
  const vms = kernel ? vm.kernelVmspace : vm.newVmspace(false);
  if (kernel) vms.refs++;
  const p = new Process(pid, vms, kernel);
  if (!kernel) vm.vmspaceOwner.set(vms, pid);
  const t = new Thread(pid, 0, k.pickCpu(cpu));
  p.threads.set(0, t);
  vm.procs.set(pid, p);
  vm.mem.changes.proc(pid);
  vms.pmap.activate(t.cpu);
  emitSpawn(k.bus, pid, vms.pmap, kernel, t);
  emitThreadCreate(k.bus, pid, 0, t, null);
  return OK;
}

/** thread: a new thread of p (thread_create), by thread `by`. */
export function threadCreate(k: Kernel, p: Process, tid: number, by: Thread, cpu?: number): Outcome {
  if (p.threads.has(tid)) return errno('EEXIST');
  if (cpu !== undefined && (cpu < 0 || cpu >= k.config.cpus)) return errno('EINVAL');
  const t = new Thread(p.pid, tid, k.pickCpu(cpu));
  p.threads.set(tid, t);
  p.vmspace.pmap.activate(t.cpu);
  emitThreadCreate(k.bus, p.pid, tid, t, by);
  return OK;
}

/** fork (fork1): a child with a copy of the address space (vmspace_fork) and the forking thread's MD state. */
export function* fork(k: Kernel, p: Process, t: Thread, childPid: number): KGen<Outcome> {
  // fork1 cannot get the child's pid (the scenario named one in use or reaped): EAGAIN,
  // as when the process table is full.
  if (k.procs.has(childPid)) return errno('EAGAIN');
  if (p.kernel) return errno('EINVAL');
  const vm = k.vm;
  const cvms = vm.newVmspace(false);
  const c = new Process(childPid, cvms, false);
  c.parent = p.pid;
  const ct = new Thread(childPid, 0, t.cpu);
  c.threads.set(0, ct);
  // The child exists while fork copies the map (it may sleep in a split): its entries
  // already hold object references, and the invariants must see them.
  c.state = 'new';
  vm.procs.set(childPid, c);
  vm.mem.changes.proc(childPid);
  vm.vmspaceOwner.set(cvms, childPid);
  yield* vmspaceFork(vm, p.vmspace, cvms, p.pid, childPid, t, ct);
  // vmspace_fork copies the data segment's bounds with the map
  cvms.daddr = p.vmspace.daddr;
  cvms.dbreak = p.vmspace.dbreak;
  c.names = new Map(p.names);
  c.state = 'running';
  cvms.pmap.activate(ct.cpu);
  k.counters.add('forks');
  return OK;
}
