import type { EventBus } from '../events/EventBus.ts';
import type { PhysMem } from '../mem/PhysMem.ts';
import type { ResidentIndex } from '../mem/ResidentIndex.ts';
import type { VmObject } from '../object/VmObject.ts';
import type { VmObjects } from '../object/VmObjects.ts';
import type { Pager } from '../pager/Pager.ts';
import type { VnodeFile } from '../pager/VnodeFile.ts';
import type { PageOps } from '../pmap/PageOps.ts';
import type { PmapFactory } from '../pmap/Pmap.ts';
import type { Outcome } from '../abi/outcome.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import type { FaultSoftFastPolicy } from '../policy/FaultSoftFastPolicy.ts';
import type { MapCleanPolicy } from '../policy/MapCleanPolicy.ts';
import type { FaultCowPolicy } from '../policy/FaultCowPolicy.ts';
import type { FaultLockPolicy } from '../policy/FaultLockPolicy.ts';
import type { ExitMmapPolicy } from '../policy/ExitMmapPolicy.ts';
import type { CollapsePolicy } from '../policy/CollapsePolicy.ts';
import type { FaultPagerRelockPolicy } from '../policy/FaultPagerRelockPolicy.ts';
import type { ForkCopyPolicy } from '../policy/ForkCopyPolicy.ts';
import type { FaultRevalidatePolicy } from '../policy/FaultRevalidatePolicy.ts';
import type { MapDeletePolicy } from '../policy/MapDeletePolicy.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { Counters } from './Counters.ts';

/** A simulated file: its vnode and its VM object. */
export interface FileRecord {
  readonly file: VnodeFile;
  readonly object: VmObject;
}

/**
 * The context of every machine-independent VM routine (map/, object/, fault/, fork/,
 * madvise/, revoke/, exit/, pageout/, invariants/): what FreeBSD's sys/vm reaches through
 * globals. Physical memory and the resident index, the object layer, the event bus and
 * counters, the pager registry, the page-level pmap operations, the policies, the ABI, and
 * the tables of processes, files and held address spaces (the walks of revoke and the
 * invariants read them). It sits below the map layer and knows nothing of system calls:
 * the system-call front (`sys/Kernel.ts`) owns one (`vm/MiKernel.ts`) and passes it down.
 */
export interface VmContext {
  /** The ABI the machine speaks (`freebsd`, `linux`, `openbsd`): errno names and flag bits. */
  readonly abi: string;
  /** Top of user address space (exclusive), from the arch's PmapFactory. */
  readonly userTop: number;
  readonly mem: PhysMem;
  readonly resident: ResidentIndex;
  readonly objects: VmObjects;
  readonly bus: EventBus;
  readonly counters: Counters;
  /** The arch's pmap factory (one pmap per vmspace). */
  readonly pmaps: PmapFactory;
  /** Page-level pmap operations (pmap_remove_all, pmap_remove_write, modified/referenced bits). */
  readonly pages: PageOps;
  /** The pager registry: anonymous memory's default pager and the vnode pager. */
  readonly anonPager: Pager;
  readonly vnodePager: Pager;
  /** The kernel's own address space (kernel processes share it). */
  readonly kernelVmspace: Vmspace;
  /** Processes by pid (reaped ones included until the pid is reused). */
  readonly procs: Map<number, Process>;
  /** Simulated files by path. */
  readonly files: Map<string, FileRecord>;
  /** Address spaces held by name (`hold`: ptrace, sysctl), by holder. */
  readonly holders: Map<string, Vmspace>;
  // --- policies (variation points bound by name; see policy/) ---------------------------
  readonly mapDeletePolicy: MapDeletePolicy;
  readonly exitPolicy: ExitPolicy;
  readonly madvisePolicy: MadvisePolicy;
  readonly pageDaemon: PageDaemon;
  readonly revokePolicy: RevokePolicy;
  /** `fault.cow_shared_shadow`: what a COW copy into a shared shadow does to the source page's other mappings. */
  readonly faultCowPolicy: FaultCowPolicy;
  /** Whether a fault that slept in its pager looks the map up again (the D15293 fix). */
  readonly faultRevalidate: FaultRevalidatePolicy;
  /** `map_clean.lock`: whether UVM's msync flush holds the map read lock (NetBSD PR 56952). */
  readonly mapCleanPolicy: MapCleanPolicy;
  /** `fault.soft_fast`: whether the fast path unbusies the object before it drops the map (D38527). */
  readonly faultSoftFast: FaultSoftFastPolicy;
  /** `fault.lock`: the map lock or the per-area lock for faults, and what fork locks. */
  readonly faultLock: FaultLockPolicy;
  /** `exit.mmap`: Linux exit_mmap's lock and list reset, as process_mrelease sees them. */
  readonly exitMmap: ExitMmapPolicy;
  /** `collapse.scan`: what a collapse asleep in its scan marks, and what a fault does when it meets it (D6085). */
  readonly collapsePolicy: CollapsePolicy;
  /** `fork.copy`: FreeBSD's collapse and object split, which wait for busy pages, or UVM's shared amap, which never does. */
  readonly forkCopy: ForkCopyPolicy;
  /** `fault.pager_relock`: after pager I/O, FreeBSD's unbusy-and-restart or UVM's sleep for the map with the page busy. */
  readonly faultPagerRelock: FaultPagerRelockPolicy;
  /** Uses of freed map entries seen by process_mrelease's walk (the `mrelease_walk` invariant reads them). */
  readonly staleVmaUses: string[];
  /** The pid whose address space this is (0 when none: held only, or the kernel's). */
  ownerOf(vms: Vmspace): number;
  /** `vms` is freed (pmap_release): drop what the machine kept of it by identity (its owner pid). */
  forgetVmspace(vms: Vmspace): void;
  /** A new, empty address space with a pmap of its own. */
  newVmspace(kernel: boolean): Vmspace;
}

// --- the policies the context holds ------------------------------------------------------
// Declared here, beside the context their methods take, so that neither file imports the
// other; each policy's token, values and modules are in policy/ (which re-exports these).

/** `exit.teardown` (policy/ExitPolicy.ts): what exit, wait and the last vmspace reference do. */
export interface ExitPolicy {
  readonly value: string;
  /** The exiting process's last thread, in exit1. May sleep. */
  exit(ctx: VmContext, p: Process, t: Thread): KGen<void>;
  /** The parent's wait reaps the process. */
  reap(ctx: VmContext, p: Process): void;
  /** The last reference to vms was dropped (vmspace_free). */
  lastReference(ctx: VmContext, vms: Vmspace): void;
}

/** The madvise family (policy/MadvisePolicy.ts; implementation madvise/MadviseFamily.ts). */
export interface MadvisePolicy {
  madvise(ctx: VmContext, p: Process, t: Thread, start: number, end: number, advice: string): KGen<Outcome>;
  /** The fault path's hook: true if a fault at va in entry e must fail with SIGSEGV/SEGV_ACCERR. */
  faultDenied?(ctx: VmContext, vms: Vmspace, e: VmMapEntry, va: number): boolean;
}

/** What `pageout` asks for: a range of a process, N pages in LRU order, or the free target. */
export interface PageoutRequest {
  p?: Process;
  start?: number;
  len?: number;
  pages?: number;
}

/** The page daemon (policy/PageDaemon.ts; implementation pageout/SimplePageDaemon.ts). */
export interface PageDaemon {
  /** `pageout`: a range of a process, N pages in LRU order, or down to the free target. */
  pageout(ctx: VmContext, a: PageoutRequest): KGen<Outcome>;
  /** Frees pages when an allocation found none; true if it freed any. */
  reclaim(ctx: VmContext): boolean;
}

/** `revoke.mode` / `revoke.walk` (policy/RevokePolicy.ts; the walk revoke/RevocationWalk.ts). */
export interface RevokePolicy {
  revoke(ctx: VmContext, file: VnodeFile, object: VmObject, evenCows: boolean): KGen<Outcome>;
  /** Entries the walk acted on after they had left their map (the `revoke_walk` invariant). */
  readonly staleUses: string[];
}
