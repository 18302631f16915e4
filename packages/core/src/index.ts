/**
 * @vmlab/core: the machine-independent VM of vmlab and the public API of every plugin.
 *
 * An explicit list, by what a plugin author reaches for: the ABI, the event bus with its
 * kinds and payloads, the Pmap contract and the software pmap and page table it builds on,
 * the Pager contract and the page layer a pager works on, the objects, maps and processes a
 * subscriber is handed, kernel threads, the policy tokens and registries, composition and
 * the plugin API, invariants. The harness over the model (scenarios, replay, explore,
 * fuzz, compare, the conformance suite) is @vmlab/lab; what else lives under src/ is
 * internal.
 */
import 'reflect-metadata';

// --- the ABI: constants, outcomes, errnos ------------------------------------------------
export type { Inherit } from './abi/constants.ts';
export {
  Access,
  PAGE_SHIFT,
  PAGE_SIZE,
  VM_PROT_ALL,
  VM_PROT_EXECUTE,
  VM_PROT_NONE,
  VM_PROT_READ,
  VM_PROT_WRITE,
  WORDS_PER_PAGE,
  protToString,
  roundPage,
  truncPage,
} from './abi/constants.ts';
export type { Outcome, SignalInfo } from './abi/outcome.ts';
export { OK, bigintJson, errno } from './abi/outcome.ts';
export { errnoValue } from './abi/errno.ts';

// --- events: the MI layer's lifecycle streams ----------------------------------------------
export type { DomainEvent, EventPayloads } from './events/DomainEvent.ts';
export type { EventKind, RemoveReason } from './events/kinds.ts';
export { EVENT_KINDS } from './events/kinds.ts';
export { EventBus, SubscriberError } from './events/EventBus.ts';
export { EventSubscriber } from './events/EventSubscriber.ts';

// --- the Pmap contract, the software pmap and page table, the TLB ---------------------------
export type { BranchKind, Pmap, PmapThread, PteInfo } from './pmap/Pmap.ts';
export { MD_FAULT, NEEDS_FAULT, PmapFactory } from './pmap/Pmap.ts';
export { PTE_A, PTE_D, PTE_MD_SHIFT, PTE_R, PTE_V, PTE_W, PTE_WIRED, PTE_X, SoftPmap } from './pmap/SoftPmap.ts';
export { PmapContext, PmapContextToken } from './pmap/PmapContext.ts';
export { TlbModel, staleTlb } from './pmap/Tlb.ts';
export { SoftPageTable } from './mem/index.ts';

// --- the Pager contract and the page layer a pager works on ------------------------------------
export type { FaultWindow, Pager } from './pager/Pager.ts';
export { AnonPager, PagerResult, VnodePagerToken } from './pager/Pager.ts';
export { ObjectPageService, PageService } from './object/PageService.ts';
export {
  PG_BUSY,
  PG_DIRTY,
  PG_REFERENCED,
  PG_RELEASED,
  PG_REUSABLE,
  PG_SWAPINPROG,
  PQ_ACTIVE,
  PQ_FREE,
  PQ_INACTIVE,
  PQ_LAUNDRY,
  PQ_NONE,
  PageStore,
  PhysMem,
  ResidentIndex,
} from './mem/index.ts';

// --- objects, maps, processes (what a subscriber is handed) --------------------------------------
export { OBJ_COLLAPSING, OBJ_DEAD, OBJ_ONEMAPPING, OBJ_SPLIT, VmObject } from './object/VmObject.ts';
export { VmObjects } from './object/VmObjects.ts';
export { VmMap } from './map/VmMap.ts';
export { MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY, MAP_ENTRY_USER_WIRED, VmMapEntry } from './map/VmMapEntry.ts';
/** vm_map_clip_start/end over a range (for plugins that keep MD metadata on map entries). */
export { clipRange, clipRangeEntry } from './map/vmMapOps.ts';
export { Vmspace } from './proc/Vmspace.ts';
export { Process, Thread } from './proc/Process.ts';
export type { SigFrame } from './proc/Process.ts';
export { Rangeset } from './util/Rangeset.ts';
export type { Range } from './util/Rangeset.ts';

// --- kernel threads and locks ----------------------------------------------------------------------
export type { KGen, Wait } from './sched/KGen.ts';
export type { Run } from './sched/KGen.ts';
export { DeadlockError, type Holdable, SleepLock, runNow, runSerial, sched, settle } from './sched/KGen.ts';

// --- the system-call front and MD dispatch ---------------------------------------------------------
export { Kernel } from './sys/Kernel.ts';
export type { EntryFlagsContext, MdArgs, MdState } from './sys/ArchOps.ts';
export { mdState } from './sys/mdDispatch.ts';
export { ArchOps } from './sys/ArchOps.ts';
export { Counters } from './vm/Counters.ts';
/** What every MI routine and policy implementation is given (the MI kernel below the system calls). */
export type { VmContext } from './vm/VmContext.ts';

// --- policies: tokens (the variation points a plugin rebinds) and the registry ------------------------
export type { PolicyBinding, PolicyDefinition } from './policy/PolicyDefinition.ts';
export { Policies, PolicyRegistry } from './policy/PolicyDefinition.ts';
export { MapDeletePolicy } from './policy/MapDeletePolicy.ts';
export { FAULT_COW_SHARED_SHADOW, FaultCowPolicy, faultCowInvalidate } from './policy/FaultCowPolicy.ts';
export { FaultRevalidatePolicy } from './policy/FaultRevalidatePolicy.ts';
export { FAULT_SOFT_FAST, FaultSoftFastPolicy, faultSoftFastUnbusyFirst } from './policy/FaultSoftFastPolicy.ts';
export { COLLAPSE_SCAN, CollapsePolicy, collapseScanCollapsing } from './policy/CollapsePolicy.ts';
export { MAP_CLEAN_LOCK, MapCleanPolicy, mapCleanBusy } from './policy/MapCleanPolicy.ts';
export { FAULT_LOCK, FaultLockPolicy, faultMmapLock, faultVmaLock } from './policy/FaultLockPolicy.ts';
export { EXIT_MMAP, ExitMmapPolicy, exitMmapAtomic, exitMmapLockedReset } from './policy/ExitMmapPolicy.ts';
export { MREMAP_TLB_FLUSH, MremapPolicy, mremapFlushPresent } from './policy/MremapPolicy.ts';
export { GUP_FORCE_COW, GupPolicy, gupFollCow } from './policy/GupPolicy.ts';
export { FORK_COPY, ForkCopyPolicy, forkCopyShareAmap, forkCopySplit } from './policy/ForkCopyPolicy.ts';
export { FAULT_PAGER_RELOCK, FaultPagerRelockPolicy, faultPagerRelockBusy, faultPagerRestart } from './policy/FaultPagerRelockPolicy.ts';
export { ExitPolicy } from './policy/ExitPolicy.ts';
export { MadvisePolicy } from './policy/MadvisePolicy.ts';
export { PageDaemon } from './policy/PageDaemon.ts';
export { RevokeMode, RevokePolicy, RevokeWalk } from './policy/RevokePolicy.ts';
export { MachineConfig } from './machine/tokens.ts';

// --- composition: the catalog, machine configuration, the plugin API ----------------------------------
export type { ArchDescriptor, PluginDescriptor } from './machine/Catalog.ts';
export { Catalog, defaultMachine } from './machine/Catalog.ts';
export type { FileSpec, MachineSpec, SourcePos } from './machine/MachineSpec.ts';
export { MACHINE_DEFAULTS, MAX_CPUS, MAX_PHYSMEM, MAX_SWAP } from './machine/MachineSpec.ts';
export { Machine } from './machine/Machine.ts';
export { MachineError, composeMachine, resolveSpec } from './machine/composeMachine.ts';
export { isPluginPath } from './machine/loadPlugin.ts';
export { PluginInvariantError } from './machine/pluginInvariants.ts';
export type { PluginArch, VmlabPlugin } from './machine/Plugin.ts';
export { PLUGIN_API_VERSION } from './machine/Plugin.ts';
/** inversify, re-exported so a plugin needs no dependency of its own (one container library per machine). */
export { ContainerModule, inject, injectable } from 'inversify';

// --- invariants ---------------------------------------------------------------------------------------
export type { Invariant, Violation } from './invariants/Invariant.ts';
export { InvariantContribution } from './invariants/Invariant.ts';
export { InvariantRegistry, defaultCheckMode } from './invariants/InvariantRegistry.ts';
export type { CheckMode } from './invariants/InvariantRegistry.ts';
export { CORE_INVARIANTS, liveVmspaces } from './invariants/coreInvariants.ts';
export { ChangeLog } from './invariants/ChangeLog.ts';
export type { ChangeOwner, ChangeUnit } from './invariants/ChangeLog.ts';

// --- for the harness (@vmlab/lab): the "did you mean" of its error messages ------------------------------
export { didYouMean } from './util/didYouMean.ts';
