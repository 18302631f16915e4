import { ContainerModule } from 'inversify';
import { EventBus } from '../events/EventBus.ts';
import { EventSubscriber } from '../events/EventSubscriber.ts';
import { type Invariant, InvariantContribution } from '../invariants/Invariant.ts';
import { objectUseAfterFreeInvariant } from '../invariants/objectUseAfterFree.ts';
import { mreleaseWalkInvariant, revokeWalkInvariant } from '../invariants/revokeWalk.ts';
import { PhysMem } from '../mem/PhysMem.ts';
import { PvTable } from '../mem/PvTable.ts';
import { ResidentIndex } from '../mem/ResidentIndex.ts';
import { ObjectPageService, PageService } from '../object/PageService.ts';
import { DefaultPager } from '../pager/DefaultPager.ts';
import { AnonPager, VnodePagerToken } from '../pager/Pager.ts';
import { VnodePager } from '../pager/VnodePager.ts';
import { PageOpsToken, PmapPageOps } from '../pmap/PageOps.ts';
import { type Pmap, PmapFactory } from '../pmap/Pmap.ts';
import { PmapContext, PmapContextToken } from '../pmap/PmapContext.ts';
import { tlbDeferredModule } from '../pmap/Tlb.ts';
import { exitLastReferenceModule, exitPurgeInExitModule } from '../policy/ExitPolicy.ts';
import { faultCowDefaultModule } from '../policy/FaultCowPolicy.ts';
import { faultSoftFastDefaultModule } from '../policy/FaultSoftFastPolicy.ts';
import { collapseScanDefaultModule } from '../policy/CollapsePolicy.ts';
import { mapCleanDefaultModule } from '../policy/MapCleanPolicy.ts';
import { mremapDefaultModule } from '../policy/MremapPolicy.ts';
import { gupDefaultModule } from '../policy/GupPolicy.ts';
import { forkCopyShareAmapModule, forkCopySplitModule } from '../policy/ForkCopyPolicy.ts';
import { faultPagerRelockBusyModule, faultPagerRestartModule } from '../policy/FaultPagerRelockPolicy.ts';
import { exitMmapAtomicModule, exitMmapLockedResetModule } from '../policy/ExitMmapPolicy.ts';
import { faultMmapLockModule, faultVmaLockModule } from '../policy/FaultLockPolicy.ts';
import { FaultRevalidatePolicy, faultRevalidatesAfterPagerSleep } from '../policy/FaultRevalidatePolicy.ts';
import { MADVISE_POLICY_BINDINGS, madviseFreeBSDModule } from '../policy/MadvisePolicy.ts';
import { MapDeletePolicy, mapDeleteFreeBSDModule, mapDeleteNotifyAll } from '../policy/MapDeletePolicy.ts';
import { simplePageDaemonModule } from '../policy/PageDaemon.ts';
import { type PolicyBinding, Policies } from '../policy/PolicyDefinition.ts';
import { replaceEntryRevokeModule, revokeNoRecheckModule, revokeZapModule } from '../policy/RevokePolicy.ts';
import { Kernel } from '../sys/Kernel.ts';
import { Counters } from '../vm/Counters.ts';
import { AbiName, KernelPmap, MiKernel } from '../vm/MiKernel.ts';
import type { MachineSpec } from './MachineSpec.ts';
import { MachineConfig } from './tokens.ts';

/**
 * Core's entry point for composition: every binding of a machine's machine-independent
 * part, for a resolved configuration. The configuration and its policies; physical memory,
 * the pv table, the resident index and the page service over them, the event bus and counters; the pmap context the arch's
 * pmaps share and the page operations over them; the default and vnode pagers (the vnode
 * pager also as an event subscriber); the default value of each core policy
 * (`map_delete.skips`, `exit.teardown`, `madvise.*`, the page daemon, `revoke.*`, the
 * fault's revalidation after a pager sleep, `map_clean.lock`, `fault.soft_fast`, `collapse.scan`, `fork.copy`, `fault.pager_relock`); the MI kernel (the VmContext) and the
 * system-call front. The arch's module binds the PmapFactory; other policy values rebind
 * what they change.
 */
export function coreModule(r: MachineSpec): ContainerModule {
  return new ContainerModule((options) => {
    const { bind } = options;
    const bus = new EventBus();
    const mem = new PhysMem(Math.max(16, Math.floor(r.physmem / 4096)));
    const pv = new PvTable(0, mem);
    mem.addTable(pv);
    const counters = new Counters();
    bind(MachineConfig).toConstantValue(r);
    bind(Policies).toConstantValue(r.policies);
    bind(AbiName).toConstantValue(r.abi);
    bind(EventBus).toConstantValue(bus);
    bind(PhysMem).toConstantValue(mem);
    const resident = new ResidentIndex(mem);
    bind(ResidentIndex).toConstantValue(resident);
    bind(PageService).toConstantValue(new ObjectPageService(mem, resident));
    bind(PvTable).toConstantValue(pv);
    bind(Counters).toConstantValue(counters);
    bind(PmapContextToken).toConstantValue(new PmapContext(mem, pv, bus, counters, r.cpus, r.features, r.abi));
    bind(AnonPager).to(DefaultPager);
    bind(VnodePagerToken).to(VnodePager);
    // Pagers subscribe too: the vnode pager stops paging in a revoked file's object.
    bind(EventSubscriber).toService(VnodePagerToken);
    bind(MapDeletePolicy).toConstantValue(mapDeleteNotifyAll);
    bind(FaultRevalidatePolicy).toConstantValue(faultRevalidatesAfterPagerSleep);
    for (const m of [
      exitLastReferenceModule,
      madviseFreeBSDModule,
      simplePageDaemonModule,
      replaceEntryRevokeModule,
      faultCowDefaultModule,
      mapCleanDefaultModule,
      faultSoftFastDefaultModule,
      mremapDefaultModule,
      gupDefaultModule,
      faultMmapLockModule,
      exitMmapAtomicModule,
      collapseScanDefaultModule,
      forkCopySplitModule,
      faultPagerRestartModule,
    ])
      void m.load(options);
    bind<Invariant>(InvariantContribution).toConstantValue(revokeWalkInvariant);
    bind<Invariant>(InvariantContribution).toConstantValue(objectUseAfterFreeInvariant);
    bind<Invariant>(InvariantContribution).toConstantValue(mreleaseWalkInvariant);
    // The kernel's pmap is the first the arch's factory makes (made when the kernel is).
    bind<Pmap>(KernelPmap).toDynamicValue((ctx) => ctx.get<PmapFactory>(PmapFactory).create(true));
    bind(PageOpsToken).toDynamicValue((ctx) => new PmapPageOps(ctx.get<PvTable>(PvTable), ctx.get<Pmap>(KernelPmap)));
    bind(MiKernel).toSelf();
    bind(Kernel).toSelf();
  });
}

/**
 * The modules of core's non-default policy values (each rebinds what `coreModule` bound):
 * registered by the Catalog, loaded by composeMachine for a machine that names the value.
 */
export const CORE_POLICY_BINDINGS: readonly PolicyBinding[] = [
  { key: 'map_delete.skips', value: 'freebsd', module: mapDeleteFreeBSDModule },
  { key: 'exit.teardown', value: 'purge_in_exit', module: exitPurgeInExitModule },
  { key: 'revoke.mode', value: 'zap', module: revokeZapModule },
  { key: 'revoke.walk', value: 'no_recheck', module: revokeNoRecheckModule },
  { key: 'tlb.shootdown', value: 'deferred', module: tlbDeferredModule },
  { key: 'fault.lock', value: 'vma_lock', module: faultVmaLockModule },
  { key: 'exit.mmap', value: 'locked_reset', module: exitMmapLockedResetModule },
  { key: 'fork.copy', value: 'share_amap', module: forkCopyShareAmapModule },
  { key: 'fault.pager_relock', value: 'relock_busy', module: faultPagerRelockBusyModule },
  ...MADVISE_POLICY_BINDINGS,
];
