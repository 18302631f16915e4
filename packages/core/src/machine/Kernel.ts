import { inject, injectable, multiInject, optional } from 'inversify';
import {
  Access,
  type Inherit,
  PAGE_SIZE,
  VM_PROT_ALL,
  VM_PROT_EXECUTE,
  VM_PROT_READ,
  VM_PROT_WRITE,
} from '../abi/constants.ts';
import { errnoValue } from '../abi/errno.ts';
import { outOfBoundsCode } from '../abi/faultSignal.ts';
import { MMAP_FLAG_NAMES, mmapCheck } from '../abi/mmapArgs.ts';
import { vmMapRangeImmutable, vmMapSetImmutable } from '../map/vmMapImmutable.ts';
import { OK, type Outcome, type SignalInfo } from '../abi/outcome.ts';
import { EventBus } from '../events/EventBus.ts';
import type { RemoveReason } from '../events/kinds.ts';
import { FAULT_FORCE_COPY, FaultResult, isKGen, vmFault } from '../fault/vmFault.ts';
import { vmspaceFork } from '../fork/vmspaceFork.ts';
import { PG_BUSY, PG_DIRTY, PG_REUSABLE, PhysMem } from '../mem/PhysMem.ts';
import { PvTable } from '../mem/PvTable.ts';
import { ResidentIndex } from '../mem/ResidentIndex.ts';
import { VmMapEntry, MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY } from '../map/VmMapEntry.ts';
import {
  KernResult,
  vmMapDelete,
  vmMapInherit,
  vmMapProtect,
  vmMapSync,
  vmMapUnwire,
  vmMapWire,
} from '../map/vmMapOps.ts';
import type { VmObject } from '../object/VmObject.ts';
import { VmObjects } from '../object/VmObjects.ts';
import { AnonPager, type Pager, VnodePagerToken } from '../pager/Pager.ts';
import { VnodeFile } from '../pager/VnodeFile.ts';
import { vnodePagerSetsize } from '../pager/vnodePagerSetsize.ts';
import { type MremapArgs, mremap } from './mremap.ts';
import { MD_FAULT, NEEDS_FAULT, PmapFactory } from '../pmap/Pmap.ts';
import { MapDeletePolicy } from '../policy/MapDeletePolicy.ts';
import { Process, Thread } from '../proc/Process.ts';
import { Vmspace } from '../proc/Vmspace.ts';
import { type KGen, runSerial } from '../sched/KGen.ts';
import type { MachineSpec } from './MachineSpec.ts';
import { ArchOps, type EntryFlagsContext, type MdArgs } from './ArchOps.ts';
import { Counters } from './Counters.ts';
import { ExitPolicy } from './ExitPolicy.ts';
import { MadvisePolicy } from './MadvisePolicy.ts';
import { PageDaemon } from './PageDaemon.ts';
import { RevokePolicy } from './RevokePolicy.ts';
import { MachineConfig } from './tokens.ts';

/** mmap arguments, normalised (addresses resolved, prot as bits plus the MD extra part). */
export interface MmapArgs {
  /** Exact 64-bit values: a bigint at or above 2^53. */
  addr?: number | bigint;
  len: number | bigint;
  prot: number;
  protExtra: string;
  flags: readonly string[] | number;
  /** The calling thread (for MD entry flags that depend on it). */
  thread?: Thread;
  file?: string;
  offset?: number | bigint;
}


/** The first mmap placement hint (SCENARIO.md: first fit upward from here). */
export const MMAP_BASE = 0x10000000;

/**
 * The machine-independent kernel of one simulated machine: processes, address spaces,
 * objects and pages, and the system calls of SCENARIO.md. System calls that can sleep are
 * generator functions (KGen); the runner drives them serially or interleaved.
 */
@injectable()
export class Kernel {
  readonly procs = new Map<number, Process>();
  readonly files = new Map<string, { file: VnodeFile; object: VmObject }>();
  readonly objects: VmObjects;
  readonly abi: string;
  readonly userTop: number;
  readonly kernelVmspace: Vmspace;
  /** Holders' references (`hold`), by holder name. */
  readonly holders = new Map<string, Vmspace>();
  /** Whether a fault that slept looks the map up again (the D15293 fix); the legacy swap order turns it off. */
  faultRevalidates = true;
  private nextVmspace = 1;
  private nextCpu = 0;
  private readonly vmspaceOwner = new Map<Vmspace, number>();

  constructor(
    @inject(MachineConfig) readonly config: MachineSpec,
    @inject(EventBus) readonly bus: EventBus,
    @inject(PhysMem) readonly mem: PhysMem,
    @inject(ResidentIndex) readonly resident: ResidentIndex,
    @inject(PvTable) readonly pv: PvTable,
    @inject(Counters) readonly counters: Counters,
    @inject(PmapFactory) readonly pmaps: PmapFactory,
    @inject(AnonPager) readonly anonPager: Pager,
    @inject(VnodePagerToken) readonly vnodePager: Pager,
    @inject(MapDeletePolicy) readonly mapDeletePolicy: MapDeletePolicy,
    @inject(ExitPolicy) readonly exitPolicy: ExitPolicy,
    @inject(MadvisePolicy) readonly madvisePolicy: MadvisePolicy,
    @inject(PageDaemon) readonly pageDaemon: PageDaemon,
    @inject(RevokePolicy) readonly revokePolicy: RevokePolicy,
    @multiInject(ArchOps) @optional() readonly archOps: ArchOps[] = [],
  ) {
    this.abi = config.abi;
    this.userTop = pmaps.userTop;
    this.objects = new VmObjects(mem, resident, bus);
    this.objects.removeAllMappings = (f) => this.removeAllMappings(f);
    this.objects.reclaim = () => this.pageDaemon.reclaim(this);
    this.kernelVmspace = new Vmspace(0, pmaps.create(true), true, 0x1000, this.userTop);
    this.archOps = archOps ?? [];
  }

  // --- machine set-up -------------------------------------------------------------------

  /** Creates a simulated file (a vnode and its VM object). */
  addFile(path: string, size: number, fill: number): void {
    const file = new VnodeFile(path, size, fill >>> 0);
    const object = this.objects.allocate('vnode', file.pages, this.vnodePager, file);
    this.files.set(path, { file, object });
  }

  // --- helpers used across the VM ----------------------------------------------------------

  /** pmap_enter with its event. */
  pmapEnter(vms: Vmspace, va: number, frame: number, prot: number, wired: boolean): void {
    vms.pmap.enter(va, frame, prot, wired);
    const bus = this.bus;
    if (bus.kind.pmap_enter.wants()) bus.publish({ kind: 'pmap_enter', pmap: vms.pmap, va, frame, prot });
  }

  /** pmap_remove with its event, naming the MI path that asked for it. */
  pmapRemove(vms: Vmspace, start: number, end: number, reason: RemoveReason): void {
    const bus = this.bus;
    if (bus.kind.pmap_remove.wants()) bus.publish({ kind: 'pmap_remove', pmap: vms.pmap, start, end, reason });
    vms.pmap.remove(start, end);
  }

  /** Clears the modified bit of every translation of a frame (pmap_clear_modify). */
  removeAllModified(frame: number): void {
    if (this.pv.first(frame) !== -1) this.kernelVmspace.pmap.clearModify(frame);
  }

  /** pmap_remove_all over every pmap (pages of one frame). */
  removeAllMappings(frame: number): void {
    if (this.pv.first(frame) !== -1) this.kernelVmspace.pmap.removeAll(frame);
  }

  /** The pid whose address space this is (0 when none: held only, or the kernel's). */
  ownerOf(vms: Vmspace): number {
    return this.vmspaceOwner.get(vms) ?? 0;
  }

  errno(name: string): Outcome {
    return { errno: name };
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
    return new Vmspace(this.nextVmspace++, this.pmaps.create(kernel), kernel, 0x1000, this.userTop);
  }

  private pickCpu(cpu: number | undefined): number {
    if (cpu !== undefined) return cpu;
    const c = this.nextCpu;
    this.nextCpu = (this.nextCpu + 1) % this.config.cpus;
    return c;
  }

  // --- processes ------------------------------------------------------------------------------

  spawn(pid: number, kernel: boolean, cpu?: number): Outcome {
    if (this.procs.has(pid)) return { error: `pid ${pid} already exists` };
    if (cpu !== undefined && (cpu < 0 || cpu >= this.config.cpus)) return this.errno('EINVAL');
    const vms = kernel ? this.kernelVmspace : this.newVmspace(false);
    if (kernel) vms.refs++;
    const p = new Process(pid, vms, kernel);
    if (!kernel) this.vmspaceOwner.set(vms, pid);
    const t = new Thread(pid, 0, this.pickCpu(cpu));
    p.threads.set(0, t);
    this.procs.set(pid, p);
    vms.pmap.activate(t.cpu);
    this.bus.emit({ kind: 'spawn', pid, pmap: vms.pmap, kernel, thread: t });
    this.bus.emit({ kind: 'thread_create', pid, tid: 0, thread: t, by: null });
    return OK;
  }

  thread(p: Process, tid: number, by: Thread, cpu?: number): Outcome {
    if (p.threads.has(tid)) return this.errno('EEXIST');
    if (cpu !== undefined && (cpu < 0 || cpu >= this.config.cpus)) return this.errno('EINVAL');
    const t = new Thread(p.pid, tid, this.pickCpu(cpu));
    p.threads.set(tid, t);
    p.vmspace.pmap.activate(t.cpu);
    this.bus.emit({ kind: 'thread_create', pid: p.pid, tid, thread: t, by });
    return OK;
  }

  threadExit(p: Process, t: Thread): Outcome {
    // thread_exit never touches the map; the last thread's exit is the process's exit.
    if (p.liveThreads === 1) return this.runExit(p, t);
    t.alive = false;
    this.bus.emit({ kind: 'thread_exit', pid: p.pid, tid: t.tid });
    return OK;
  }

  private runExit(p: Process, t: Thread): Outcome {
    return runSerial(this.exit(p, t));
  }

  /** fork: a child with a copy of the address space and the forking thread's MD state. */
  *fork(p: Process, t: Thread, childPid: number): KGen<Outcome> {
    if (this.procs.has(childPid)) return { error: `pid ${childPid} already exists` };
    if (p.kernel) return this.errno('EINVAL');
    const cvms = this.newVmspace(false);
    const c = new Process(childPid, cvms, false);
    c.parent = p.pid;
    const ct = new Thread(childPid, 0, t.cpu);
    c.threads.set(0, ct);
    // The child exists while fork copies the map (it may sleep in a split): its entries
    // already hold object references, and the invariants must see them.
    c.state = 'new';
    this.procs.set(childPid, c);
    this.vmspaceOwner.set(cvms, childPid);
    yield* vmspaceFork(this, p.vmspace, cvms, p.pid, childPid, t, ct);
    c.names = new Map(p.names);
    c.state = 'running';
    cvms.pmap.activate(ct.cpu);
    this.counters.add('forks');
    return OK;
  }

  /**
   * execve: the new image starts with an empty map. An unshared address space is reused
   * (exec_new_vmspace: pmap_remove_pages, then the whole map removed); a shared one is
   * left to its other holders and a new one made.
   */
  execve(p: Process, t: Thread): Outcome {
    if (p.kernel) return this.errno('EINVAL');
    const old = p.vmspace;
    for (const other of p.threads.values()) if (other !== t) other.alive = false;
    if (old.refs === 1) {
      this.bus.emit({ kind: 'exec', pid: p.pid, pmap: old.pmap, oldPmap: old.pmap, thread: t });
      this.bus.emit({ kind: 'teardown', pid: p.pid, pmap: old.pmap });
      old.pmap.removePages();
      vmMapDelete(this, old, old.map.min, old.map.max);
    } else {
      const nv = this.newVmspace(false);
      this.vmspaceOwner.set(nv, p.pid);
      this.vmspaceOwner.delete(old);
      p.vmspace = nv;
      nv.pmap.activate(t.cpu);
      this.bus.emit({ kind: 'exec', pid: p.pid, pmap: nv.pmap, oldPmap: old.pmap, thread: t });
      this.vmspaceFree(old);
    }
    p.names = new Map();
    return OK;
  }

  /** exit: the process's last thread runs the exit path (the teardown policy decides what goes). */
  *exit(p: Process, t: Thread): KGen<Outcome> {
    if (p.state !== 'running') return this.errno('ESRCH');
    p.state = 'exiting';
    this.bus.emit({ kind: 'exit', pid: p.pid, tid: t.tid });
    yield* this.exitPolicy.exit(this, p, t);
    for (const th of p.threads.values()) th.alive = false;
    p.state = 'zombie';
    return OK;
  }

  /** wait: the parent reaps an exited process; its vmspace reference goes with it if still held. */
  wait(p: Process): Outcome {
    if (p.state === 'running' || p.state === 'exiting') return this.errno('EBUSY');
    this.exitPolicy.reap(this, p);
    p.state = 'reaped';
    return OK;
  }

  /** Drops one reference to a vmspace; the last one tears it down (vmspace_free). */
  vmspaceFree(vms: Vmspace): void {
    if (vms.kernel) {
      vms.refs--;
      return;
    }
    vms.refs--;
    if (vms.refs > 0) return;
    this.exitPolicy.lastReference(this, vms);
  }

  /**
   * The full teardown at the last reference (vmspace_exit / vmspace_dofree): MD state goes
   * (`teardown`, as pmap_remove_pages), every entry is deleted, and the pmap is destroyed.
   */
  teardown(vms: Vmspace): void {
    if (vms.dead) return;
    const pid = this.ownerOf(vms);
    if (!vms.purged) {
      this.bus.emit({ kind: 'teardown', pid, pmap: vms.pmap });
      vms.pmap.removePages();
    }
    vmMapDelete(this, vms, vms.map.min, vms.map.max);
    this.destroyPmap(vms);
  }

  destroyPmap(vms: Vmspace): void {
    if (vms.dead) return;
    vms.dead = true;
    this.bus.emit({ kind: 'pmap_destroy', pmap: vms.pmap });
    vms.pmap.destroy();
  }

  hold(p: Process, holder: string): Outcome {
    if (this.holders.has(holder)) return this.errno('EBUSY');
    const vms = p.vmspace;
    if (vms.dead || vms.refs < 1 || p.state === 'exiting') return this.errno('EFAULT');
    vms.refs++;
    this.holders.set(holder, vms);
    return OK;
  }

  release(holder: string): Outcome {
    const vms = this.holders.get(holder);
    if (vms === undefined) return this.errno('EINVAL');
    this.holders.delete(holder);
    this.vmspaceFree(vms);
    return OK;
  }

  // --- memory system calls ------------------------------------------------------------------

  private flagBits(flags: readonly string[] | number): number {
    if (typeof flags === 'number') return flags;
    const tab = MMAP_FLAG_NAMES[this.abi] ?? MMAP_FLAG_NAMES.freebsd!;
    let b = 0;
    for (const f of flags) b |= tab[f] ?? 0;
    return b;
  }

  /** The MD entry flags for a prot's extra part, or undefined (EINVAL) when no arch knows it. */
  private entryFlags(extra: string, current: number, op: 'mmap' | 'mprotect', ctx?: EntryFlagsContext): number | undefined {
    for (const a of this.archOps) {
      const r = a.entryFlags?.(this, extra, current, op, ctx);
      if (r !== undefined) return r;
    }
    return extra === '' ? (op === 'mmap' ? 0 : current) : undefined;
  }

  /**
   * mmap: the ABI's argument checks (abi/mmapArgs.ts: FreeBSD kern_mmap, Linux do_mmap,
   * OpenBSD sys_mmap), W^X under `mmap.wx: refuse`, then vm_mmap_object: a fixed request
   * replaces what it overlaps unless it must not (EEXIST under Linux, ENOMEM on the BSDs)
   * or an entry there is immutable (EPERM); otherwise first fit from the hint. The result is
   * the mapping's start plus the file offset's position within its page.
   */
  mmap(p: Process, a: MmapArgs): Outcome {
    const vms = p.vmspace;
    const map = vms.map;
    const linux = this.abi === 'linux';
    const bits = this.flagBits(a.flags);
    const chk = mmapCheck(
      this.abi,
      { addr: BigInt(a.addr ?? 0), len: BigInt(a.len), prot: a.prot, flags: bits, hasFile: a.file !== undefined, offset: BigInt(a.offset ?? 0) },
      { min: map.min, max: map.max },
    );
    if ('errno' in chk) return this.errno(chk.errno);
    const pl = chk.plan;
    if ((pl.prot & (VM_PROT_WRITE | VM_PROT_EXECUTE)) === (VM_PROT_WRITE | VM_PROT_EXECUTE) && this.config.policies['mmap.wx'] === 'refuse') {
      return this.errno(this.abi === 'openbsd' ? 'ENOTSUP' : 'EACCES');
    }
    const md = this.entryFlags(a.protExtra, 0, 'mmap', { p, ...(a.thread !== undefined ? { t: a.thread } : {}), prot: pl.prot });
    if (md === undefined) return this.errno('EINVAL');
    let fileRec: { file: VnodeFile; object: VmObject } | undefined;
    if (!pl.anon) {
      fileRec = this.files.get(a.file!);
      if (fileRec === undefined) return this.errno('ENOENT');
      if (fileRec.file.revoked) return this.errno('ENXIO');
    }
    const len = pl.size;
    let start: number;
    if (pl.fixed) {
      start = pl.start;
      const overlaps = map.intersects(start, start + len);
      if (pl.noReplace && overlaps) return this.errno(linux ? 'EEXIST' : 'ENOMEM');
      if (overlaps && vmMapRangeImmutable(map, start, start + len)) return this.errno('EPERM');
      if (overlaps) vmMapDelete(this, vms, start, start + len);
    } else {
      const hint = pl.start !== 0 ? pl.start : MMAP_BASE;
      start = map.findSpace(hint, len);
      if (start < 0 && hint !== MMAP_BASE) start = map.findSpace(MMAP_BASE, len);
      if (start < 0) return this.errno('ENOMEM');
    }
    const e = new VmMapEntry(start, start + len, pl.prot, pl.maxProt, pl.shared ? 'share' : 'copy');
    e.shared = pl.shared;
    e.mdFlags = md;
    if (fileRec !== undefined) {
      e.file = fileRec.file;
      e.object = fileRec.object;
      e.offset = pl.pindex;
      this.objects.reference(fileRec.object);
      if (!pl.shared) e.eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
    } else if (pl.shared) {
      const o = this.objects.allocate('anon', len / PAGE_SIZE, this.anonPager);
      o.flags = 0;
      e.object = o;
    }
    map.insert(e);
    this.bus.emit({ kind: 'mmap', pid: p.pid, pmap: vms.pmap, start, end: start + len, prot: pl.prot, mdFlags: md });
    return { ok: true, addr: start + pl.pageoff };
  }

  /**
   * truncate (ftruncate on the file): vnode_pager_setsize. Under Linux, truncate_pagecache
   * also unmaps private copies of the pages past the new end (unmap_mapping_range with
   * even_cows), so those fault with SIGBUS too; FreeBSD and OpenBSD keep them.
   */
  truncate(path: string, size: number): Outcome {
    const rec = this.files.get(path);
    if (rec === undefined) return this.errno('ENOENT');
    vnodePagerSetsize(this.objects, rec.file, rec.object, size);
    if (this.abi === 'linux') this.truncateCows(rec.object);
    return OK;
  }

  /** Frees the private copies, in any mapping of the file object, of pages past its end. */
  private truncateCows(fileObject: VmObject): void {
    const seen = new Set<Vmspace>();
    for (const p of this.procs.values()) {
      const vms = p.vmspace;
      if (seen.has(vms) || vms.dead) continue;
      seen.add(vms);
      for (const e of vms.map.entries) {
        if (e.object === null || e.object === fileObject) continue;
        for (let i = 0; i < e.pages; i++) {
          const copies: [VmObject, number][] = [];
          let o: VmObject | null = e.object;
          let pi = e.offset + i;
          while (o !== null && o !== fileObject) {
            if (o.isAnon) copies.push([o, pi]);
            pi += o.backingOffset;
            o = o.backing;
          }
          if (o !== fileObject || pi < fileObject.size) continue;
          for (const [c, ci] of copies) {
            const f = this.objects.lookupPage(c, ci);
            if (f === -1 || ((this.mem.flags[f] as number) & PG_BUSY) !== 0) continue;
            this.removeAllMappings(f);
            this.mem.wireCount[f] = 0;
            this.objects.freePage(c, f);
            c.pager.freeRange?.(c, ci, ci + 1);
          }
        }
      }
    }
  }

  /** Page-aligns [addr, addr+len) as the BSD system calls do; undefined if it leaves user space. */
  private range(addr: number, len: number): [number, number] | undefined {
    const s = addr - (addr % PAGE_SIZE);
    const e = Math.ceil((addr + len) / PAGE_SIZE) * PAGE_SIZE;
    if (len < 0 || s < 0 || e > this.userTop || e < s) return undefined;
    return [s, e];
  }

  /**
   * munmap: FreeBSD kern_munmap (an unaligned address is rounded down, a zero length is
   * EINVAL), Linux __vm_munmap (the address must be aligned; sealed entries: EPERM), OpenBSD
   * sys_munmap (the whole range must be mapped, else EINVAL; immutable entries: EPERM).
   */
  munmap(p: Process, addr: number | bigint, len: number | bigint): Outcome {
    const map = p.vmspace.map;
    const A = BigInt(addr);
    const L = BigInt(len);
    const P = BigInt(PAGE_SIZE);
    if (this.abi === 'linux' && A % P !== 0n) return this.errno('EINVAL');
    if (L === 0n && this.abi !== 'openbsd') return this.errno('EINVAL');
    // The kernels round [addr, addr + len) out to pages in 64-bit arithmetic; a range that
    // wraps or leaves user space is EINVAL in all three.
    const s0 = A - (A % P);
    const e0 = ((A + L + P - 1n) / P) * P;
    if (e0 > (1n << 64n) || e0 > BigInt(this.userTop) || s0 < BigInt(map.min)) return this.errno('EINVAL');
    const r: [number, number] = [Number(s0), Number(e0)];
    if (r[0] === r[1]) return OK;
    if (this.abi === 'openbsd' && !map.covered(r[0], r[1])) return this.errno('EINVAL');
    if (vmMapRangeImmutable(map, r[0], r[1])) return this.errno('EPERM');
    vmMapDelete(this, p.vmspace, r[0], r[1]);
    return OK;
  }

  /**
   * mprotect: FreeBSD kern_mprotect (PROT_MAX bits allowed; an unaligned start is rounded
   * down), Linux do_mprotect_pkey (aligned start; unknown bits EINVAL; sealed: EPERM),
   * OpenBSD sys_mprotect (W^X; immutable entries: EPERM, except read-write to read-only).
   */
  mprotect(p: Process, addr: number, len: number, prot: number, protExtra: string, t?: Thread): Outcome {
    if (this.abi === 'linux' && addr % PAGE_SIZE !== 0) return this.errno('EINVAL');
    if ((prot & ~(this.abi === 'freebsd' ? VM_PROT_ALL | (VM_PROT_ALL << 16) : VM_PROT_ALL)) !== 0) return this.errno('EINVAL');
    prot &= VM_PROT_ALL;
    if ((prot & (VM_PROT_WRITE | VM_PROT_EXECUTE)) === (VM_PROT_WRITE | VM_PROT_EXECUTE) && this.config.policies['mmap.wx'] === 'refuse') {
      return this.errno(this.abi === 'openbsd' ? 'ENOTSUP' : 'EACCES');
    }
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    if (r[0] === r[1]) return OK;
    const map = p.vmspace.map;
    for (let i = map.lowerBound(r[0]); i < map.entries.length && map.entries[i]!.start < r[1]; i++) {
      const e = map.entries[i]!;
      // OpenBSD lets an immutable read-write entry become read-only (a data-locking idiom).
      if (e.immutable && !(this.abi === 'openbsd' && e.prot === (VM_PROT_READ | VM_PROT_WRITE) && prot === VM_PROT_READ)) return this.errno('EPERM');
    }
    let md: ((e: VmMapEntry) => number) | null = null;
    if (protExtra !== '' || this.archOps.some((a) => a.entryFlags !== undefined)) {
      const probe = this.entryFlags(protExtra, 0, 'mprotect');
      if (probe === undefined) return this.errno('EINVAL');
      const ctx: EntryFlagsContext = { p, ...(t !== undefined ? { t } : {}), prot };
      md = (e) => this.entryFlags(protExtra, e.mdFlags, 'mprotect', ctx) ?? e.mdFlags;
    }
    const kr = vmMapProtect(this, p.vmspace, r[0], r[1], prot, md);
    if (kr === KernResult.InvalidAddress) return this.errno('ENOMEM');
    if (kr === KernResult.ProtectionFailure) return this.errno('EACCES');
    this.bus.emit({ kind: 'protect', pid: p.pid, pmap: p.vmspace.pmap, start: r[0], end: r[1], prot });
    return OK;
  }

  /** mremap (Linux only; machine/mremap.ts). */
  mremap(p: Process, a: MremapArgs): Outcome {
    if (this.abi !== 'linux') return this.errno('ENOSYS');
    return mremap(this, p, a, MMAP_BASE);
  }

  /**
   * mimmutable (OpenBSD sys_mimmutable / uvm_map_immutable): marks the mapped parts of the
   * range immutable; holes are skipped.
   */
  mimmutable(p: Process, addr: number, len: number): Outcome {
    if (this.abi !== 'openbsd') return this.errno('ENOSYS');
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    vmMapSetImmutable(this, p.vmspace, r[0], r[1]);
    return OK;
  }

  /**
   * mseal (Linux do_mseal, mm/mseal.c): flags must be 0 and the start aligned (EINVAL); the
   * whole range must be mapped (ENOMEM), checked before anything is sealed.
   */
  mseal(p: Process, addr: number, len: number, flags: number): Outcome {
    if (this.abi !== 'linux') return this.errno('ENOSYS');
    if (flags !== 0 || addr % PAGE_SIZE !== 0) return this.errno('EINVAL');
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    if (r[0] === r[1]) return OK;
    if (!p.vmspace.map.covered(r[0], r[1])) return this.errno('ENOMEM');
    vmMapSetImmutable(this, p.vmspace, r[0], r[1]);
    return OK;
  }

  minherit(p: Process, addr: number, len: number, inherit: Inherit): Outcome {
    if (addr % PAGE_SIZE !== 0) return this.errno('EINVAL');
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    vmMapInherit(this, p.vmspace, r[0], r[1], inherit);
    return OK;
  }

  *mlock(p: Process, t: Thread, addr: number, len: number): KGen<Outcome> {
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    if (r[0] === r[1]) return OK;
    const kr = yield* vmMapWire(this, p.vmspace, r[0], r[1], t.tid);
    if (kr === KernResult.InvalidAddress) return this.errno('ENOMEM');
    if (kr !== KernResult.Success) return this.errno('EAGAIN');
    return OK;
  }

  munlock(p: Process, addr: number, len: number): Outcome {
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    if (r[0] === r[1]) return OK;
    const kr = vmMapUnwire(this, p.vmspace, r[0], r[1]);
    if (kr === KernResult.InvalidAddress) return this.errno('ENOMEM');
    return OK;
  }

  msync(p: Process, addr: number, len: number, flags: readonly string[] | number): Outcome {
    const names = typeof flags === 'number' ? msyncNames(flags, this.abi) : flags;
    if (names === undefined) return this.errno('EINVAL');
    const async = names.includes('async');
    const inval = names.includes('invalidate');
    if (addr % PAGE_SIZE !== 0) return this.errno('EINVAL');
    if (async && inval) return this.errno('EINVAL');
    if (async && names.includes('sync')) return this.errno('EINVAL');
    const r = this.range(addr, len);
    if (r === undefined) return this.errno('EINVAL');
    const kr = vmMapSync(this, p.vmspace, r[0], r[1], inval);
    if (kr === KernResult.InvalidAddress) return this.errno('ENOMEM');
    if (kr === KernResult.InvalidArgument) return this.errno('EBUSY');
    this.bus.emit({ kind: 'msync', pid: p.pid, pmap: p.vmspace.pmap, start: r[0], end: r[1], invalidate: inval });
    return OK;
  }

  // --- memory accesses ----------------------------------------------------------------------

  /** A fault result as the signal the process gets. */
  signalFor(r: FaultResult, va: number): SignalInfo | Outcome {
    switch (r) {
      case FaultResult.NoEntry:
        return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: va };
      case FaultResult.Protection:
        return { signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: va };
      case FaultResult.NoPage:
        return { signal: 'SIGBUS', code: 'BUS_ADRERR', addr: va };
      case FaultResult.PagerError:
        return { signal: 'SIGBUS', code: 'BUS_OBJERR', addr: va };
      case FaultResult.OutOfBounds:
        return { signal: 'SIGBUS', code: outOfBoundsCode(this.abi), addr: va };
      default:
        return { error: `out of physical memory at 0x${va.toString(16)}` };
    }
  }

  /**
   * A user access by thread t at va: the hardware translation first; a fault enters the
   * VM and the access is retried. Returns the frame, or the outcome (a signal) it became;
   * when the fault must sleep, the continuation that finishes the access.
   */
  access(p: Process, t: Thread, va: number, access: number, branch?: 'direct' | 'call' | 'jump', tries = 0, missed = false): number | Outcome | KGen<number | Outcome> {
    if (va % 4 !== 0) return { signal: 'SIGBUS', code: 'BUS_ADRALN', addr: va };
    if (va < 0 || va >= this.userTop) return { signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: va };
    const vms = p.vmspace;
    for (; tries < 4; tries++) {
      // `missed`: the caller's translation already found no usable PTE (skip repeating it once).
      const f = missed ? NEEDS_FAULT : vms.pmap.translate(va, access, t, branch);
      missed = false;
      if (f >= 0) return f;
      if (f === MD_FAULT) return { ...vms.pmap.mdFault(), addr: va } as Outcome;
      const r = vmFault(this, vms, va, access, t.tid, 0);
      if (isKGen(r)) return this.accessAfterSleep(r, p, t, va, access, branch, tries);
      const out = this.faultDone(p, t, va, access, r);
      if (out !== undefined) return out;
    }
    return { error: `fault at 0x${va.toString(16)} did not resolve` };
  }

  /** The rest of an access whose fault sleeps: finish the fault, then retry the access. */
  private *accessAfterSleep(g: KGen<FaultResult>, p: Process, t: Thread, va: number, access: number, branch: 'direct' | 'call' | 'jump' | undefined, tries: number): KGen<number | Outcome> {
    const r = yield* g;
    const out = this.faultDone(p, t, va, access, r);
    if (out !== undefined) return out;
    const again = this.access(p, t, va, access, branch, tries + 1);
    return isKGen(again) ? yield* again : again;
  }

  /** Records a handled fault; the signal it became, or undefined when the access retries. */
  private faultDone(p: Process, t: Thread, va: number, access: number, r: FaultResult): Outcome | undefined {
    const bus = this.bus;
    if (bus.kind.fault.wants()) bus.publish({ kind: 'fault', pid: p.pid, tid: t.tid, va, access, outcome: r === FaultResult.Success ? 'ok' : 'signal' });
    return r === FaultResult.Success ? undefined : (this.signalFor(r, va) as Outcome);
  }

  /** read: a 32-bit word. The present-translation case runs without entering the VM. */
  read(p: Process, t: Thread, va: number): Outcome {
    const f = va % 4 === 0 && va >= 0 && va < this.userTop ? p.vmspace.pmap.translate(va, Access.Read, t) : -1;
    const r0 = f >= 0 ? f : f === NEEDS_FAULT ? this.access(p, t, va, Access.Read, undefined, 0, true) : this.access(p, t, va, Access.Read);
    const r = isKGen(r0) ? runSerial(r0) : r0;
    if (typeof r !== 'number') return r;
    return { value: this.mem.contents.read(r, (va % PAGE_SIZE) >>> 2) };
  }

  write(p: Process, t: Thread, va: number, value: number): Outcome {
    const f = va % 4 === 0 && va >= 0 && va < this.userTop ? p.vmspace.pmap.translate(va, Access.Write, t) : -1;
    const r0 = f >= 0 ? f : f === NEEDS_FAULT ? this.access(p, t, va, Access.Write, undefined, 0, true) : this.access(p, t, va, Access.Write);
    const r = isKGen(r0) ? runSerial(r0) : r0;
    if (typeof r !== 'number') return r;
    this.mem.contents.write(r, (va % PAGE_SIZE) >>> 2, value >>> 0);
    return OK;
  }

  /** The word behind a frame, or the access's outcome, as a step outcome. */
  *accessStep(p: Process, t: Thread, va: number, access: number, value?: number, branch?: 'direct' | 'call' | 'jump'): KGen<Outcome> {
    const r0 = this.access(p, t, va, access, branch);
    const r = isKGen(r0) ? yield* r0 : r0;
    return typeof r !== 'number' ? r : this.wordAccess(r, va, access === Access.Write, value);
  }

  /** Reads or writes the 32-bit word at va's offset in a frame. */
  private wordAccess(frame: number, va: number, write: boolean, value: number | undefined): Outcome {
    const w = (va % PAGE_SIZE) >>> 2;
    if (write) {
      this.mem.contents.write(frame, w, (value ?? 0) >>> 0);
      return OK;
    }
    return { value: this.mem.contents.read(frame, w) };
  }

  /** copyin / copyout: the kernel touches user memory for t's system call; any fault is EFAULT. */
  *copy(p: Process, t: Thread, va: number, write: boolean, value?: number): KGen<Outcome> {
    const access = write ? Access.Write : Access.Read;
    if (va % 4 !== 0 || va < 0 || va >= this.userTop) return this.errno('EFAULT');
    const vms = p.vmspace;
    for (let tries = 0; tries < 4; tries++) {
      const f = vms.pmap.translate(va, access, t);
      if (f >= 0 || f === MD_FAULT) {
        if (!vms.pmap.kernelAccessAllowed(va, access, t)) return this.errno('EFAULT');
        const frame = f >= 0 ? f : vms.pmap.extract(va);
        return frame < 0 ? this.errno('EFAULT') : this.wordAccess(frame, va, write, value);
      }
      const r0 = vmFault(this, vms, va, access, t.tid, 0);
      const r = isKGen(r0) ? yield* r0 : r0;
      if (r !== FaultResult.Success) return this.errno('EFAULT');
    }
    return this.errno('EFAULT');
  }

  /**
   * peek / poke: a debugger's access to another process's memory (proc_rwmem): a
   * temporary vmspace reference, a fault in the target's map (a write to a private
   * read-only mapping copies the page, as VM_PROT_COPY), no MD key checks. EFAULT for an
   * exiting process, an unmapped address, or an emptied map.
   */
  *debugAccess(target: Process, va: number, write: boolean, value?: number): KGen<Outcome> {
    if (target.state !== 'running') return this.errno('EFAULT');
    if (va % 4 !== 0 || va < 0 || va >= this.userTop) return this.errno('EFAULT');
    const vms = target.vmspace;
    if (vms.dead || vms.refs < 1) return this.errno('EFAULT');
    vms.refs++;
    try {
      // uvm_io / proc_rwmem take the target's map lock and may sleep: the target can exit here.
      yield { reason: 'proc_rwmem: lock target map' };
      const access = write ? Access.Write : Access.Read;
      const r0 = vmFault(this, vms, va, access, -1, write ? FAULT_FORCE_COPY : 0);
      const r = isKGen(r0) ? yield* r0 : r0;
      if (r !== FaultResult.Success || vms.dead) return this.errno('EFAULT');
      const frame = vms.pmap.extract(va);
      return frame < 0 ? this.errno('EFAULT') : this.wordAccess(frame, va, write, value);
    } finally {
      this.vmspaceFree(vms);
    }
  }

  // --- madvise, swapout, pageout, revoke -------------------------------------------------

  /** madvise (FreeBSD vm_map_madvise / vm_object_madvise; the XNU advice where the madvise policy binds it). */
  *madvise(p: Process, t: Thread, addr: number, len: number, advice: string): KGen<Outcome> {
    if (addr % PAGE_SIZE !== 0) return this.errno('EINVAL');
    const r = this.range(addr, len);
    if (r === undefined || r[0] < p.vmspace.map.min) return this.errno('EINVAL');
    const out = yield* this.madvisePolicy.madvise(this, p, t, r[0], r[1], advice);
    if (out.ok === true) this.bus.emit({ kind: 'madvise', pid: p.pid, pmap: p.vmspace.pmap, start: r[0], end: r[1], advice });
    return out;
  }

  /**
   * Pages a page out and frees it, if it can leave memory (vm_pageout_launder, then the
   * free): a mapped page is write-protected first so its dirty state is final; a dirty page
   * is written by its pager; a page the pager cannot take (no swap, swap full, an injected
   * failure) stays resident, dirty and mapped read-only. A clean page (its contents are on
   * the pager, it is an untouched zero page, or MADV_FREE discarded them) loses its
   * mappings and is freed. Wired and busy pages stay. True if the frame was freed.
   */
  pageoutPage(o: VmObject, f: number): boolean {
    const mem = this.mem;
    if ((mem.wireCount[f] as number) > 0 || ((mem.flags[f] as number) & PG_BUSY) !== 0) return false;
    const mapped = this.pv.first(f) !== -1;
    if (mapped) this.kernelVmspace.pmap.removeWrite(f);
    if (((mem.flags[f] as number) & PG_DIRTY) !== 0) {
      if (o.pager.putpages?.(o, [f]) !== true) return false;
      mem.flags[f] = (mem.flags[f] as number) & ~PG_DIRTY;
      this.bus.emit({ kind: 'pageout', object: o.id, pindex: mem.pindex[f] as number, count: 1 });
    }
    if (mapped) this.removeAllMappings(f);
    this.objects.freePage(o, f);
    return true;
  }

  /** The objects a map's entries reach (each once, chains included), in map order. */
  mapObjects(vms: Vmspace): VmObject[] {
    const seen = new Set<VmObject>();
    for (const e of vms.map.entries) for (let o = e.object; o !== null; o = o.backing) seen.add(o);
    return [...seen];
  }

  /**
   * swapout (vm_swapout_map_deactivate_pages with a zero target): the whole map's PTEs go
   * with Pmap.remove (a physical removal: a `swapout` event, never a `map_delete`), then
   * every page the process alone used is paged out and freed.
   */
  *swapout(p: Process): KGen<Outcome> {
    if (p.kernel || p.state !== 'running') return this.errno('EINVAL');
    const vms = p.vmspace;
    for (const e of vms.map.entries) if (e.wiredCount > 0) return { ok: true, pages: 0 };
    this.bus.emit({ kind: 'swapout', pid: p.pid, pmap: vms.pmap, pages: vms.pmap.residentCount });
    this.pmapRemove(vms, vms.map.min, vms.map.max, 'swapout');
    let freed = 0;
    const mem = this.mem;
    for (const o of this.mapObjects(vms)) {
      for (let f = o.memq; f !== -1; ) {
        const next = mem.listNext[f] as number;
        if (this.pageoutPage(o, f)) freed++;
        f = next;
      }
    }
    this.counters.add('swapouts');
    return { ok: true, pages: freed };
  }

  /** pageout: a range of a process, N pages in LRU order, or down to the free target. */
  *pageout(a: { p?: Process; start?: number; len?: number; pages?: number }): KGen<Outcome> {
    return yield* this.pageDaemon.pageout(this, a);
  }

  /** revoke: every mapping of the file is revoked; new mappings of it fail with ENXIO. */
  *revoke(path: string, evenCows: boolean): KGen<Outcome> {
    const rec = this.files.get(path);
    if (rec === undefined) return this.errno('ENOENT');
    return yield* this.revokePolicy.revoke(this, rec.file, rec.object, evenCows);
  }

  /** context_switch: the CPU switches threads (deferred invalidations complete here). */
  contextSwitch(cpu: number): Outcome {
    if (cpu < 0 || cpu >= this.config.cpus) return this.errno('EINVAL');
    this.bus.emit({ kind: 'context_switch', cpu });
    return OK;
  }

  /** XNU-style footprint: anonymous pages mapped by the process, outside the reusable state. */
  footprint(p: Process): number {
    return this.chargedPages(p, false);
  }

  reusableCount(p: Process): number {
    return this.chargedPages(p, true);
  }

  /**
   * XNU ledgers (T5.9): resident anonymous pages the process's map entries reach, each
   * mapping counted (a page of a shared object counts in every mapping of it, T5.10), split
   * by the page's reusable state. Counted through the map, not the pmap, so a reusable page
   * whose translation was removed still counts until it is freed.
   */
  private chargedPages(p: Process, reusable: boolean): number {
    const vms = p.vmspace;
    if (vms.dead) return 0;
    const mem = this.mem;
    let n = 0;
    for (const e of vms.map.entries) {
      for (let i = 0; i < e.pages; i++) {
        let o: VmObject | null = e.object;
        let pi = e.offset + i;
        while (o !== null) {
          const f = this.objects.lookupPage(o, pi);
          if (f !== -1) {
            const isReusable = ((mem.flags[f] as number) & PG_REUSABLE) !== 0;
            const charged = vms.pmap.extract(e.start + i * PAGE_SIZE) === f || (isReusable && o === e.object);
            if (charged && o.isAnon && isReusable === reusable) n++;
            break;
          }
          pi += o.backingOffset;
          o = o.backing;
        }
      }
    }
    return n;
  }

  /** The MD prot letters an entry shows (`bti`). */
  entryProtExtra(e: VmMapEntry): string {
    for (const a of this.archOps) {
      const r = a.entryProtName?.(e.mdFlags);
      if (r !== undefined) return r;
    }
    return '';
  }

  // --- MD system calls and queries --------------------------------------------------------

  mdSyscall(p: Process, t: Thread, op: string, args: MdArgs): Outcome {
    for (const a of this.archOps) {
      const r = a.syscall?.(this, p, t, op, args);
      if (r !== undefined) return r;
    }
    switch (op) {
      case 'sysarch':
        return this.errno('EINVAL');
      case 'pkey_set':
      case 'wrpkru':
        return this.errno('EOPNOTSUPP');
      case 'pkey_alloc':
        return this.errno(this.abi === 'linux' ? 'ENOSPC' : 'ENOSYS');
      default:
        return this.errno(this.abi === 'linux' ? 'EINVAL' : 'ENOSYS');
    }
  }

  mdQuery(p: Process, name: string, args: MdArgs): unknown {
    for (const a of this.archOps) {
      const r = a.query?.(this, p, name, args);
      if (r !== undefined) return r;
    }
    return 'none';
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

/**
 * Raw msync flags by ABI: MS_ASYNC 1 and MS_INVALIDATE 2 everywhere; MS_SYNC is 0 on the
 * BSDs (the absence of MS_ASYNC) and 4 on Linux. Unknown bits: undefined (EINVAL).
 */
function msyncNames(bits: number, abi: string): string[] | undefined {
  const sync = abi === 'linux' ? 4 : 0;
  if ((bits & ~(1 | 2 | sync)) !== 0) return undefined;
  const out: string[] = [];
  if (bits & 1) out.push('async');
  if (bits & 2) out.push('invalidate');
  if (sync !== 0 && (bits & sync) !== 0) out.push('sync');
  return out;
}

