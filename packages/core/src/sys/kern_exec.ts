import { OK, type Outcome, errno } from '../abi/outcome.ts';
import { vmspaceFree } from '../exit/vmspaceFree.ts';
import { vmMapDelete } from '../map/vmMapOps.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Kernel } from './Kernel.ts';
import { emitExec, emitTeardown } from '../events/emit.ts';

/**
 * execve (FreeBSD sys/kern/kern_exec.c exec_new_vmspace): the new image starts with an
 * empty map. An unshared address space is reused (pmap_remove_pages — the `teardown` event
 * first — then the whole map removed); a shared one is left to its other holders and a new
 * one made.
 */
export function execve(k: Kernel, p: Process, t: Thread): Outcome {
  if (p.kernel) return errno('EINVAL');
  const vm = k.vm;
  const old = p.vmspace;
  for (const other of p.threads.values()) if (other !== t) other.alive = false;
  if (old.refs === 1) {
    emitExec(k.bus, p.pid, old.pmap, old.pmap, t);
    emitTeardown(k.bus, p.pid, old.pmap);
    old.pmap.removePages();
    vmMapDelete(vm, old, old.map.min, old.map.max);
    // the new image's data segment is not known until its first break call
    old.daddr = undefined;
    old.dbreak = 0;
  } else {
    const nv = vm.newVmspace(false);
    vm.vmspaceOwner.set(nv, p.pid);
    vm.vmspaceOwner.delete(old);
    p.vmspace = nv;
    vm.mem.changes.proc(p.pid);
    nv.pmap.activate(t.cpu);
    emitExec(k.bus, p.pid, nv.pmap, old.pmap, t);
    vmspaceFree(vm, old);
  }
  p.names = new Map();
  return OK;
}
