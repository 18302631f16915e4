import { inject, injectable, optional } from 'inversify';
import { EventBus } from '../events/EventBus.ts';
import { PhysMem } from '../mem/PhysMem.ts';
import { ResidentIndex } from '../mem/ResidentIndex.ts';
import { PageService } from '../object/PageService.ts';
import { type PageReclaimer, VmObjects } from '../object/VmObjects.ts';
import { AnonPager, type Pager, VnodePagerToken } from '../pager/Pager.ts';
import { type PageOps, PageOpsToken } from '../pmap/PageOps.ts';
import { type Pmap, PmapFactory } from '../pmap/Pmap.ts';
import { ExitPolicy } from '../policy/ExitPolicy.ts';
import { FaultCowPolicy } from '../policy/FaultCowPolicy.ts';
import { FaultRevalidatePolicy } from '../policy/FaultRevalidatePolicy.ts';
import { FaultSoftFastPolicy } from '../policy/FaultSoftFastPolicy.ts';
import { MapCleanPolicy } from '../policy/MapCleanPolicy.ts';
import { MadvisePolicy } from '../policy/MadvisePolicy.ts';
import { MapDeletePolicy } from '../policy/MapDeletePolicy.ts';
import { MremapPolicy, mremapFlushPresent } from '../policy/MremapPolicy.ts';
import { FaultLockPolicy, faultMmapLock } from '../policy/FaultLockPolicy.ts';
import { ExitMmapPolicy, exitMmapAtomic } from '../policy/ExitMmapPolicy.ts';
import { CollapsePolicy, collapseScanCollapsing } from '../policy/CollapsePolicy.ts';
import { GupPolicy, gupFollCow } from '../policy/GupPolicy.ts';
import { ForkCopyPolicy, forkCopySplit } from '../policy/ForkCopyPolicy.ts';
import { FaultPagerRelockPolicy, faultPagerRestart } from '../policy/FaultPagerRelockPolicy.ts';
import { PageDaemon } from '../policy/PageDaemon.ts';
import { RevokePolicy } from '../policy/RevokePolicy.ts';
import type { Process } from '../proc/Process.ts';
import { Vmspace } from '../proc/Vmspace.ts';
import { Counters } from './Counters.ts';
import type { FileRecord, VmContext } from './VmContext.ts';

/** Token: the kernel's own pmap (the first one the arch's factory makes). */
export const KernelPmap = Symbol('KernelPmap');
/** Token: the machine's ABI name (`freebsd`, `linux`, `openbsd`). */
export const AbiName = Symbol('AbiName');

/**
 * The machine-independent kernel state of one machine: the VmContext every MI routine is
 * given. It owns the object layer (constructed with the page operations and with itself as
 * the page reclaimer, so allocation can wake the page daemon) and the tables of processes,
 * files, held address spaces and vmspace owners. The system-call front (sys/Kernel.ts)
 * holds one and fills the tables; nothing here calls up into it.
 */
@injectable()
export class MiKernel implements VmContext, PageReclaimer {
  readonly procs = new Map<number, Process>();
  readonly files = new Map<string, FileRecord>();
  readonly holders = new Map<string, Vmspace>();
  readonly objects: VmObjects;
  readonly userTop: number;
  readonly kernelVmspace: Vmspace;
  /** The owning pid of each process's address space (set by spawn, fork and exec). */
  readonly vmspaceOwner = new Map<Vmspace, number>();
  readonly staleVmaUses: string[] = [];
  private nextVmspace = 1;

  constructor(
    @inject(AbiName) readonly abi: string,
    @inject(EventBus) readonly bus: EventBus,
    @inject(PhysMem) readonly mem: PhysMem,
    @inject(ResidentIndex) readonly resident: ResidentIndex,
    @inject(Counters) readonly counters: Counters,
    @inject(PmapFactory) readonly pmaps: PmapFactory,
    @inject(AnonPager) readonly anonPager: Pager,
    @inject(VnodePagerToken) readonly vnodePager: Pager,
    @inject(MapDeletePolicy) readonly mapDeletePolicy: MapDeletePolicy,
    @inject(ExitPolicy) readonly exitPolicy: ExitPolicy,
    @inject(MadvisePolicy) readonly madvisePolicy: MadvisePolicy,
    @inject(PageDaemon) readonly pageDaemon: PageDaemon,
    @inject(RevokePolicy) readonly revokePolicy: RevokePolicy,
    @inject(FaultCowPolicy) readonly faultCowPolicy: FaultCowPolicy,
    @inject(KernelPmap) kernelPmap: Pmap,
    @inject(PageOpsToken) readonly pages: PageOps,
    @inject(FaultRevalidatePolicy) readonly faultRevalidate: FaultRevalidatePolicy,
    @inject(PageService) pageService: PageService,
    @inject(MapCleanPolicy) readonly mapCleanPolicy: MapCleanPolicy,
    @inject(FaultSoftFastPolicy) readonly faultSoftFast: FaultSoftFastPolicy,
    @inject(MremapPolicy) @optional() readonly mremapPolicy: MremapPolicy = mremapFlushPresent,
    @inject(FaultLockPolicy) @optional() readonly faultLock: FaultLockPolicy = faultMmapLock,
    @inject(ExitMmapPolicy) @optional() readonly exitMmap: ExitMmapPolicy = exitMmapAtomic,
    @inject(CollapsePolicy) @optional() readonly collapsePolicy: CollapsePolicy = collapseScanCollapsing,
    @inject(GupPolicy) @optional() readonly gupPolicy: GupPolicy = gupFollCow,
    @inject(ForkCopyPolicy) @optional() readonly forkCopy: ForkCopyPolicy = forkCopySplit,
    @inject(FaultPagerRelockPolicy) @optional() readonly faultPagerRelock: FaultPagerRelockPolicy = faultPagerRestart,
  ) {
    this.userTop = pmaps.userTop;
    this.objects = new VmObjects(mem, resident, bus, pages, this, pageService, collapsePolicy);
    this.kernelVmspace = new Vmspace(0, kernelPmap, true, 0x1000, this.userTop, mem.changes);
  }

  /** The page daemon's reclaim, when an allocation finds no free page (PageReclaimer). */
  reclaim(): boolean {
    return this.pageDaemon.reclaim(this);
  }

  ownerOf(vms: Vmspace): number {
    return this.vmspaceOwner.get(vms) ?? 0;
  }

  forgetVmspace(vms: Vmspace): void {
    this.vmspaceOwner.delete(vms);
  }

  newVmspace(kernel: boolean): Vmspace {
    const vms = new Vmspace(this.nextVmspace++, this.pmaps.create(kernel), kernel, 0x1000, this.userTop, this.mem.changes);
    // UVM's vmmaplk is an rwlock(9): a waiting writer holds new readers back. The lock's
    // kind, not a VM policy: it decides no path, only who the scheduler lets in first.
    if (this.abi === 'openbsd') vms.map.lock.preferWriters = true;
    return vms;
  }
}
