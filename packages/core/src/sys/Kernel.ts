import { inject, injectable, multiInject, optional } from 'inversify';
import { Access, type Inherit, PAGE_SIZE } from '../abi/constants.ts';
import { errnoValue } from '../abi/errno.ts';
import { OK, type Outcome, type SignalInfo, errno } from '../abi/outcome.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { RemoveReason } from '../events/kinds.ts';
import { pmapRelease, vmspaceFree, vmspaceTeardown } from '../exit/vmspaceFree.ts';
import type { FaultResult } from '../fault/vmFault.ts';
import { mapObjects } from '../map/mapObjects.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { PhysMem } from '../mem/PhysMem.ts';
import { PvTable } from '../mem/PvTable.ts';
import type { ResidentIndex } from '../mem/ResidentIndex.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VmObjects } from '../object/VmObjects.ts';
import type { Pager } from '../pager/Pager.ts';
import { VnodeFile } from '../pager/VnodeFile.ts';
import type { PageOps } from '../pmap/PageOps.ts';
import type { PmapFactory } from '../pmap/Pmap.ts';
import { pmapEnter, pmapRemove } from '../pmap/pmapCalls.ts';
import type { ExitPolicy } from '../policy/ExitPolicy.ts';
import type { FaultCowPolicy } from '../policy/FaultCowPolicy.ts';
import type { FaultRevalidatePolicy } from '../policy/FaultRevalidatePolicy.ts';
import type { FaultSoftFastPolicy } from '../policy/FaultSoftFastPolicy.ts';
import type { MapCleanPolicy } from '../policy/MapCleanPolicy.ts';
import type { MadvisePolicy } from '../policy/MadvisePolicy.ts';
import type { MapDeletePolicy } from '../policy/MapDeletePolicy.ts';
import type { MremapPolicy } from '../policy/MremapPolicy.ts';
import type { FaultLockPolicy } from '../policy/FaultLockPolicy.ts';
import type { ExitMmapPolicy } from '../policy/ExitMmapPolicy.ts';
import type { CollapsePolicy } from '../policy/CollapsePolicy.ts';
import type { FaultPagerRelockPolicy } from '../policy/FaultPagerRelockPolicy.ts';
import type { ForkCopyPolicy } from '../policy/ForkCopyPolicy.ts';
import type { PageDaemon, PageoutRequest } from '../policy/PageDaemon.ts';
import type { RevokePolicy } from '../policy/RevokePolicy.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen, Run } from '../sched/KGen.ts';
import type { Counters } from '../vm/Counters.ts';
import { MiKernel } from '../vm/MiKernel.ts';
import type { FileRecord, VmContext } from '../vm/VmContext.ts';
import type { MachineSpec } from '../machine/MachineSpec.ts';
import { MachineConfig } from '../machine/tokens.ts';
import { ArchOps, type MdArgs } from './ArchOps.ts';
import { execve } from './kern_exec.ts';
import { exit, hold, release, threadExit, wait } from './kern_exit.ts';
import { fork, spawn, threadCreate } from './kern_fork.ts';
import { chargedPages } from './ledger.ts';
import { entryProtExtra, mdQuery, mdSyscall } from './mdDispatch.ts';
import { debugAccess } from './proc_rwmem.ts';
import { access, accessStep, accessWord, copy, frameMiss, signalFor } from './trap.ts';
import { revoke } from './vfs_revoke.ts';
import { obreak } from './vm_unix.ts';
import { MMAP_BASE, type MmapArgs, madvise, mimmutable, minherit, mlock, mmap, mprotect, mseal, msync, munlock, munmap } from './vm_mmap.ts';
import { type MremapArgs, mremap } from './mremap.ts';
import { truncate } from './vfs_truncate.ts';
import { processMrelease } from './process_mrelease.ts';
import { mlock2, mlockall, munlockall } from './vm_mlock.ts';
import { sendsig, sigaltstack, sigreturn } from './kern_sig.ts';
import { userAccessBytes } from './trap_bytes.ts';
import { pageout } from './vm_pageout.ts';
import { swapout } from './vm_swapout.ts';
import { pageoutPage } from '../pageout/pageoutPage.ts';
import { emitContextSwitch } from '../events/emit.ts';

export { MMAP_BASE, type MmapArgs } from './vm_mmap.ts';

/**
 * The system-call front of one simulated machine: the calls of SCENARIO.md, each a thin
 * method over the file named after its kernel home (vm_mmap.ts, kern_fork.ts, kern_exit.ts,
 * kern_exec.ts, trap.ts, proc_rwmem.ts, vm_swapout.ts, vm_pageout.ts, vfs_revoke.ts,
 * ledger.ts, mdDispatch.ts). It owns the machine-independent kernel (`vm`, the VmContext
 * every MI routine takes) and the arch modules' ArchOps; its fields are that context's, by
 * the names the harness, the MD packages and the plugins use (so a Kernel is itself a
 * VmContext, for code written against the old `k: Kernel` routines). System calls that can
 * sleep are generator functions (KGen); the runner drives them serially or interleaved.
 */
@injectable()
export class Kernel implements VmContext {
  readonly procs: Map<number, Process>;
  readonly files: Map<string, FileRecord>;
  /** Holders' references (`hold`), by holder name. */
  readonly holders: Map<string, Vmspace>;
  readonly objects: VmObjects;
  readonly abi: string;
  readonly userTop: number;
  readonly kernelVmspace: Vmspace;
  readonly bus: EventBus;
  readonly mem: PhysMem;
  readonly resident: ResidentIndex;
  readonly counters: Counters;
  readonly pmaps: PmapFactory;
  /** Page-level pmap operations (pmap_remove_all, pmap_clear_modify, ...). */
  readonly pages: PageOps;
  readonly anonPager: Pager;
  readonly vnodePager: Pager;
  readonly mapDeletePolicy: MapDeletePolicy;
  readonly exitPolicy: ExitPolicy;
  readonly madvisePolicy: MadvisePolicy;
  readonly pageDaemon: PageDaemon;
  readonly revokePolicy: RevokePolicy;
  readonly faultCowPolicy: FaultCowPolicy;
  readonly faultRevalidate: FaultRevalidatePolicy;
  readonly mapCleanPolicy: MapCleanPolicy;
  readonly faultSoftFast: FaultSoftFastPolicy;
  /** `mremap.tlb_flush`: when move_ptes flushes the old range (CVE-2018-18281). */
  readonly mremapPolicy: MremapPolicy;
  readonly faultLock: FaultLockPolicy;
  readonly exitMmap: ExitMmapPolicy;
  readonly collapsePolicy: CollapsePolicy;
  readonly forkCopy: ForkCopyPolicy;
  readonly faultPagerRelock: FaultPagerRelockPolicy;
  readonly staleVmaUses: string[];
  private nextCpu = 0;

  constructor(
    @inject(MiKernel) readonly vm: MiKernel,
    @inject(MachineConfig) readonly config: MachineSpec,
    @inject(PvTable) readonly pv: PvTable,
    @multiInject(ArchOps) @optional() readonly archOps: ArchOps[] = [],
  ) {
    this.procs = vm.procs;
    this.files = vm.files;
    this.holders = vm.holders;
    this.objects = vm.objects;
    this.abi = vm.abi;
    this.userTop = vm.userTop;
    this.kernelVmspace = vm.kernelVmspace;
    this.bus = vm.bus;
    this.mem = vm.mem;
    this.resident = vm.resident;
    this.counters = vm.counters;
    this.pmaps = vm.pmaps;
    this.pages = vm.pages;
    this.anonPager = vm.anonPager;
    this.vnodePager = vm.vnodePager;
    this.mapDeletePolicy = vm.mapDeletePolicy;
    this.exitPolicy = vm.exitPolicy;
    this.madvisePolicy = vm.madvisePolicy;
    this.pageDaemon = vm.pageDaemon;
    this.revokePolicy = vm.revokePolicy;
    this.faultCowPolicy = vm.faultCowPolicy;
    this.faultRevalidate = vm.faultRevalidate;
    this.mapCleanPolicy = vm.mapCleanPolicy;
    this.faultSoftFast = vm.faultSoftFast;
    this.mremapPolicy = vm.mremapPolicy;
    this.faultLock = vm.faultLock;
    this.exitMmap = vm.exitMmap;
    this.collapsePolicy = vm.collapsePolicy;
    this.forkCopy = vm.forkCopy;
    this.faultPagerRelock = vm.faultPagerRelock;
    this.staleVmaUses = vm.staleVmaUses;
    this.archOps = archOps ?? [];
  }

  // --- machine set-up and helpers ---------------------------------------------------------

  /** Creates a simulated file (a vnode and its VM object). */
  addFile(path: string, size: number, fill: number): void {
    const file = new VnodeFile(path, size, fill >>> 0);
    const object = this.objects.allocate('vnode', file.pages, this.vnodePager, file);
    this.files.set(path, { file, object });
  }

  /** pmap_enter with its event (pmap/pmapCalls.ts). */
  pmapEnter(vms: Vmspace, va: number, frame: number, prot: number, wired: boolean): void {
    pmapEnter(this.bus, vms.pmap, va, frame, prot, wired);
  }

  /** pmap_remove with its event, naming the MI path that asked for it (pmap/pmapCalls.ts). */
  pmapRemove(vms: Vmspace, start: number, end: number, reason: RemoveReason): void {
    pmapRemove(this.bus, vms.pmap, start, end, reason);
  }

  /** The pid whose address space this is (0 when none: held only, or the kernel's). */
  ownerOf(vms: Vmspace): number {
    return this.vm.ownerOf(vms);
  }

  forgetVmspace(vms: Vmspace): void {
    this.vm.forgetVmspace(vms);
  }

  errno(name: string): Outcome {
    return errno(name);
  }

  errnoValue(name: string): number | undefined {
    return errnoValue(this.abi, name);
  }

  /** A live process, or undefined (ESRCH). */
  proc(pid: number): Process | undefined {
    const p = this.procs.get(pid);
    return p !== undefined && p.state !== 'reaped' && p.state !== 'new' ? p : undefined;
  }

  newVmspace(kernel: boolean): Vmspace {
    return this.vm.newVmspace(kernel);
  }

  /** The CPU a new thread runs on: the one asked for, or the next in turn. */
  pickCpu(cpu: number | undefined): number {
    if (cpu !== undefined) return cpu;
    const c = this.nextCpu;
    this.nextCpu = (this.nextCpu + 1) % this.config.cpus;
    return c;
  }

  // --- processes (kern_fork.ts, kern_exec.ts, kern_exit.ts) -------------------------------

  spawn(pid: number, kernel: boolean, cpu?: number): Outcome {
    return spawn(this, pid, kernel, cpu);
  }

  thread(p: Process, tid: number, by: Thread, cpu?: number): Outcome {
    return threadCreate(this, p, tid, by, cpu);
  }

  threadExit(p: Process, t: Thread): Outcome {
    return threadExit(this, p, t);
  }

  fork(p: Process, t: Thread, childPid: number): KGen<Outcome> {
    return fork(this, p, t, childPid);
  }

  execve(p: Process, t: Thread): Outcome {
    return execve(this, p, t);
  }

  exit(p: Process, t: Thread): KGen<Outcome> {
    return exit(this, p, t);
  }

  wait(p: Process): Outcome {
    return wait(this, p);
  }

  /** Drops one reference to a vmspace; the last one tears it down (vmspace_free, exit/). */
  vmspaceFree(vms: Vmspace): void {
    vmspaceFree(this.vm, vms);
  }

  /** The full teardown at the last reference (vmspace_exit / vmspace_dofree, exit/). */
  teardown(vms: Vmspace): void {
    vmspaceTeardown(this.vm, vms);
  }

  /** pmap_release, exactly once (exit/). */
  destroyPmap(vms: Vmspace): void {
    pmapRelease(this.vm, vms);
  }

  hold(p: Process, holder: string): Outcome {
    return hold(this, p, holder);
  }

  release(holder: string): Outcome {
    return release(this, holder);
  }

  // --- memory system calls (vm_mmap.ts) --------------------------------------------------
  // Each takes the map lock for its duration: the value at once when the lock is free, or
  // the continuation that sleeps for it (finish with `settle` in a kernel path, `runNow` in
  // a serial one).

  mmap(p: Process, a: MmapArgs): Run<Outcome> {
    return mmap(this, p, a);
  }

  munmap(p: Process, addr: number | bigint, len: number | bigint, t?: Thread): Run<Outcome> {
    return munmap(this, p, addr, len, t);
  }

  /** brk: move the end of the heap (kern_break, sys/vm_unix.ts). */
  obreak(p: Process, newBreak: number): Run<Outcome> {
    return obreak(this, p, newBreak);
  }

  /** sigaltstack / sigdeliver / sigreturn (kern_sig.ts). */
  sigaltstack(p: Process, t: Thread, addr: number, len: number): Outcome {
    return sigaltstack(this, p, t, addr, len);
  }

  sendsig(p: Process, t: Thread, sp: number | undefined, onstack: boolean): KGen<Outcome> {
    return sendsig(this, p, t, sp, onstack);
  }

  sigreturn(t: Thread, edited: Readonly<Record<string, number>>): Outcome {
    return sigreturn(this, t, edited);
  }

  /** mlockall / munlockall / mlock2 (vm_mlock.ts). */
  mlockall(p: Process, t: Thread, flags: number): KGen<Outcome> {
    return mlockall(this, p, t, flags);
  }

  munlockall(p: Process): Outcome {
    return munlockall(this, p);
  }

  mlock2(p: Process, t: Thread, addr: number, len: number, flags: number): KGen<Outcome> {
    const s = addr - (addr % PAGE_SIZE);
    const e = Math.ceil((addr + len) / PAGE_SIZE) * PAGE_SIZE;
    if (e > this.userTop || !(e >= s))
      return (function* () {
        return errno('EINVAL');
      })();
    return mlock2(this, p, t, s, e, flags);
  }

  mimmutable(p: Process, addr: number, len: number, t?: Thread): Run<Outcome> {
    return mimmutable(this, p, addr, len, t);
  }

  mseal(p: Process, addr: number, len: number, flags: number, t?: Thread): Run<Outcome> {
    return mseal(this, p, addr, len, flags, t);
  }

  /** mremap (Linux only; mremap.ts). */
  mremap(p: Process, a: MremapArgs, t?: Thread): Run<Outcome> {
    if (this.abi !== 'linux') return errno('ENOSYS');
    return mremap(this, p, a, MMAP_BASE, t);
  }

  /** process_mrelease (Linux only; process_mrelease.ts). */
  processMrelease(target: Process, flags: number): KGen<Outcome> | Outcome {
    if (this.abi !== 'linux') return errno('ENOSYS');
    return processMrelease(this, target, flags);
  }

  /** truncate (vfs_truncate.ts). */
  truncate(path: string, size: number): Outcome {
    return truncate(this, path, size);
  }

  /** A load or store of 1, 2, 4 or 8 bytes at any address (trap_bytes.ts). */
  accessBytes(p: Process, t: Thread, va: number | bigint, size: number, write: boolean, value?: number | bigint): KGen<Outcome> {
    return userAccessBytes(this, p, t, va, size, write, value);
  }

  mprotect(p: Process, addr: number, len: number, prot: number, protExtra: string, t?: Thread): Run<Outcome> {
    return mprotect(this, p, addr, len, prot, protExtra, t);
  }

  minherit(p: Process, addr: number, len: number, inherit: Inherit, t?: Thread): Run<Outcome> {
    return minherit(this, p, addr, len, inherit, t);
  }

  mlock(p: Process, t: Thread, addr: number, len: number): KGen<Outcome> {
    return mlock(this, p, t, addr, len);
  }

  munlock(p: Process, addr: number, len: number, t?: Thread): Run<Outcome> {
    return munlock(this, p, addr, len, t);
  }

  msync(p: Process, addr: number, len: number, flags: readonly string[] | number, t?: Thread): Run<Outcome> {
    return msync(this, p, addr, len, flags, t);
  }

  madvise(p: Process, t: Thread, addr: number, len: number, advice: string): KGen<Outcome> {
    return madvise(this, p, t, addr, len, advice);
  }

  // --- memory accesses (trap.ts, proc_rwmem.ts) -------------------------------------------

  signalFor(r: FaultResult, va: number): SignalInfo | Outcome {
    return signalFor(r, va, this.abi);
  }

  access(p: Process, t: Thread, va: number, acc: number, branch?: 'direct' | 'call' | 'jump', tries = 0, missed = false): Run<number | Outcome> {
    return access(this, p, t, va, acc, branch, tries, missed);
  }

  /** A user read of the 32-bit word at va (the hardware translation first; trap.ts's fault path when it misses). */
  read(p: Process, t: Thread, va: number): Outcome {
    let f = va % 4 === 0 && va >= 0 && va < this.userTop ? p.vmspace.pmap.translate(va, Access.Read, t) : -1;
    if (f < 0) {
      const r = frameMiss(this, p, t, va, Access.Read, f);
      if (typeof r !== 'number') return r;
      f = r;
    }
    return { value: this.mem.contents.read(f, (va % PAGE_SIZE) >>> 2) };
  }

  /** A user write of the 32-bit word at va (as `read`). */
  write(p: Process, t: Thread, va: number, value: number): Outcome {
    let f = va % 4 === 0 && va >= 0 && va < this.userTop ? p.vmspace.pmap.translate(va, Access.Write, t) : -1;
    if (f < 0) {
      const r = frameMiss(this, p, t, va, Access.Write, f);
      if (typeof r !== 'number') return r;
      f = r;
    }
    this.mem.contents.write(f, (va % PAGE_SIZE) >>> 2, value >>> 0);
    return OK;
  }

  accessStep(p: Process, t: Thread, va: number, acc: number, value?: number, branch?: 'direct' | 'call' | 'jump'): KGen<Outcome> {
    return accessStep(this, p, t, va, acc, value, branch);
  }

  /** `accessStep` as a `Run`: the outcome when the access does not sleep (no generator), else its continuation. */
  accessWord(p: Process, t: Thread, va: number, acc: number, value?: number, branch?: 'direct' | 'call' | 'jump'): Run<Outcome> {
    return accessWord(this, p, t, va, acc, value, branch);
  }

  copy(p: Process, t: Thread, va: number, write: boolean, value?: number): KGen<Outcome> {
    return copy(this, p, t, va, write, value);
  }

  debugAccess(target: Process, va: number, write: boolean, value?: number): KGen<Outcome> {
    return debugAccess(this, target, va, write, value);
  }

  // --- swapout, pageout, revoke, scheduling ----------------------------------------------

  /** Pages one page out and frees it if it can leave memory (pageout/pageoutPage.ts). */
  pageoutPage(o: VmObject, f: number): boolean {
    return pageoutPage(this.vm, o, f);
  }

  /** The objects a map's entries reach (each once, chains included), in map order. */
  mapObjects(vms: Vmspace): VmObject[] {
    return mapObjects(vms);
  }

  swapout(p: Process): KGen<Outcome> {
    return swapout(this, p);
  }

  pageout(a: PageoutRequest): KGen<Outcome> {
    return pageout(this, a);
  }

  revoke(path: string, evenCows: boolean): KGen<Outcome> {
    return revoke(this, path, evenCows);
  }

  /** context_switch (mi_switch): the CPU switches threads (deferred invalidations complete here). */
  contextSwitch(cpu: number): Outcome {
    if (cpu < 0 || cpu >= this.config.cpus) return errno('EINVAL');
    emitContextSwitch(this.bus, cpu);
    return OK;
  }

  // --- XNU ledgers (ledger.ts) ------------------------------------------------------------

  /** XNU-style footprint: anonymous pages mapped by the process, outside the reusable state. */
  footprint(p: Process): number {
    return chargedPages(this, p, false);
  }

  reusableCount(p: Process): number {
    return chargedPages(this, p, true);
  }

  // --- MD system calls and queries (mdDispatch.ts) ---------------------------------------

  /** The MD prot letters an entry shows (`bti`). */
  entryProtExtra(e: VmMapEntry): string {
    return entryProtExtra(this, e);
  }

  mdSyscall(p: Process, t: Thread, op: string, args: MdArgs): Outcome {
    return mdSyscall(this, p, t, op, args);
  }

  mdQuery(p: Process, name: string, args: MdArgs): unknown {
    return mdQuery(this, p, name, args);
  }

  /** Resolves the page at va the way a fault would find it: (object, depth), or undefined. */
  objectAt(p: Process, va: number): { object: VmObject; depth: number } | undefined {
    const e = p.vmspace.map.entryAt(va);
    if (e === undefined || e.object === null) return undefined;
    let o: VmObject | null = e.object;
    let pi = e.offset + Math.floor((va - e.start) / PAGE_SIZE);
    let depth = 0;
    while (o !== null) {
      if (this.objects.lookupPage(o, pi) !== -1 || o.pager.haspage(o, pi)) return { object: o, depth };
      pi += o.backingOffset;
      o = o.backing;
      depth++;
    }
    return undefined;
  }
}
