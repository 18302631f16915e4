import { Access, VM_PROT_WRITE } from '../abi/constants.ts';
import { type Outcome, errno } from '../abi/outcome.ts';
import { vmspaceFree } from '../exit/vmspaceFree.ts';
import { FAULT_FORCE_COPY, FaultResult, vmFault } from '../fault/vmFault.ts';
import type { Process } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import { type KGen, settle } from '../sched/KGen.ts';
import type { Kernel } from './Kernel.ts';
import { wordAccess } from './trap.ts';

/**
 * peek / poke: a debugger's access to another process's memory (FreeBSD
 * sys/kern/sys_process.c proc_rwmem; OpenBSD uvm_io): a temporary vmspace reference, a
 * fault in the target's map (a write to a private read-only mapping copies the page, as
 * VM_PROT_COPY), no MD key checks. EFAULT for an exiting process, an unmapped address, or
 * an emptied map. Under abi linux a write goes through get_user_pages' loop (gupWrite).
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
    if (write && k.abi === 'linux') return yield* gupWrite(k, vms, va, value);
    const access = write ? Access.Write : Access.Read;
    const r = yield* settle(vmFault(k.vm, vms, va, access, -1, write ? FAULT_FORCE_COPY : 0));
    if (r !== FaultResult.Success || vms.dead) return errno('EFAULT');
    const frame = vms.pmap.extract(va);
    return frame < 0 ? errno('EFAULT') : wordAccess(k, frame, va, write, value);
  } finally {
    vmspaceFree(k.vm, vms);
  }
}

/**
 * A forced write under abi linux (mm/memory.c __access_remote_vm → mm/gup.c
 * __get_user_pages with FOLL_FORCE | FOLL_WRITE, as /proc/PID/mem and ptrace(POKEDATA) do):
 * the loop looks the page up with the access's write intent (follow_page_pte); when that
 * finds no page it faults (faultin_page → handle_mm_fault, a write fault while the intent
 * holds: in a private area without VM_WRITE it breaks copy-on-write into an anonymous page
 * mapped without write permission), and goes round again after cond_resched(), where another
 * thread may run. What the retry accepts after the copy-on-write fault is the `gup.force_cow`
 * policy (policy/GupPolicy.ts): `foll_cow` keeps the write intent and accepts a non-writable
 * page only if it is the copy (the entry's own anonymous page, which is what the kernel's
 * FOLL_COW-and-dirty test, and since 2022 PageAnonExclusive, stand for); `drop_foll_write`
 * (Dirty COW) drops the intent, so any present page is accepted, the file's own page after
 * a racing MADV_DONTNEED zapped the copy and a read fault mapped the page cache page.
 * The model does not hold the map lock across the loop (Linux holds mmap_lock for reading,
 * which madvise(MADV_DONTNEED) also only reads); each fault takes it as vmFault does.
 */
function* gupWrite(k: Kernel, vms: Vmspace, va: number, value: number | undefined): KGen<Outcome> {
  const policy = k.vm.gupPolicy;
  const mem = k.mem;
  let follWrite = true;
  let follCow = false;
  for (let retry = false; ; retry = true) {
    if (retry) yield { reason: 'get_user_pages: cond_resched' };
    if (vms.dead) return errno('EFAULT');
    const i = vms.map.lookup(va);
    if (i < 0) return errno('EFAULT');
    const e = vms.map.entries[i]!;
    // follow_page_pte: a present page, and for a write a writable PTE or (FOLL_COW) the copy.
    const frame = vms.pmap.extract(va);
    if (frame >= 0) {
      const top = e.object;
      const follow =
        !follWrite || vms.pmap.pte(va)?.writable === true || (follCow && top !== null && top.type === 'anon' && !e.shared && mem.objectOf(frame) === top.id);
      if (follow) {
        // __access_remote_vm: copy_to_user_page, then set_page_dirty_lock on the page found.
        for (let o = top; o !== null; o = o.backing) if (mem.objectOf(frame) === o.id) k.vm.objects.markDirty(o, frame);
        return wordAccess(k, frame, va, true, value);
      }
    }
    // faultin_page
    const r = yield* settle(vmFault(k.vm, vms, va, follWrite ? Access.Write : Access.Read, -1, follWrite ? FAULT_FORCE_COPY : 0));
    if (r !== FaultResult.Success || vms.dead) return errno('EFAULT');
    // A copy-on-write fault in an area without VM_WRITE (VM_FAULT_WRITE returned).
    if (follWrite && (e.prot & VM_PROT_WRITE) === 0) {
      if (policy.dropWriteAfterCow) follWrite = false;
      else follCow = true;
    }
  }
}
