/**
 * @vmlab/core: the machine-independent VM of vmlab and the public API of every plugin.
 */
import 'reflect-metadata';

export type { Outcome, SignalInfo } from './abi/outcome.ts';
export type { Inherit } from './abi/constants.ts';
export type { DomainEvent, EventPayloads } from './events/DomainEvent.ts';
export type { EventKind, RemoveReason } from './events/kinds.ts';
export type { BranchKind, PmapThread, PteInfo } from './pmap/Pmap.ts';
export type { FaultWindow } from './pager/Pager.ts';
export type { KGen, Wait } from './sched/KGen.ts';
export type { EntryFlagsContext, MdArgs } from './machine/ArchOps.ts';
export type { ArchDescriptor, PluginDescriptor } from './machine/Catalog.ts';
export type { PolicyBinding, PolicyDefinition } from './policy/PolicyDefinition.ts';
export type { Invariant, Violation } from './invariants/Invariant.ts';
export type { MmapArgs } from './machine/Kernel.ts';
export type {
  AddrExpr,
  CheckQuery,
  ExpectValue,
  Expectation,
  FileSpec,
  MachineRef,
  MachineSpec,
  Scenario,
  SourcePos,
  Step,
} from './scenario/ast.ts';
export type { CommandRecord, RunOptions, RunReport, SchedulePoint, StepReport, ViolationReport } from './scenario/Runner.ts';
export type { MatchContext } from './scenario/matchExpectation.ts';

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
export { OK, bigintJson, errno } from './abi/outcome.ts';
export { errnoValue } from './abi/errno.ts';
export { EventBus, KindGate, SubscriberError } from './events/EventBus.ts';
export { EVENT_KINDS } from './events/kinds.ts';
export { PageStore, PhysMem, PvTable, ResidentIndex, SoftPageTable, PG_BUSY, PG_DIRTY, PG_REFERENCED, PG_REUSABLE, PQ_ACTIVE, PQ_FREE, PQ_INACTIVE, PQ_LAUNDRY, PQ_NONE } from './mem/index.ts';
export { PmapFactory, NEEDS_FAULT, MD_FAULT } from './pmap/Pmap.ts';
export type { Pmap } from './pmap/Pmap.ts';
export { SoftPmap, PTE_A, PTE_D, PTE_MD_SHIFT, PTE_R, PTE_V, PTE_W, PTE_WIRED, PTE_X } from './pmap/SoftPmap.ts';
export { PmapContext, PmapContextToken } from './pmap/PmapContext.ts';
export { TLB_FRAME_MUL, TlbModel, staleTlb, tlbDeferredModule } from './pmap/Tlb.ts';
export { AnonPager, PagerResult, VnodePagerToken } from './pager/Pager.ts';
export type { Pager } from './pager/Pager.ts';
export { DefaultPager } from './pager/DefaultPager.ts';
export { VnodePager } from './pager/VnodePager.ts';
export { VnodeFile } from './pager/VnodeFile.ts';
export { VmObject, OBJ_DEAD, OBJ_ONEMAPPING, OBJ_SPLIT } from './object/VmObject.ts';
export { VmObjects } from './object/VmObjects.ts';
export { VmMap } from './map/VmMap.ts';
/** vm_map_clip_start/end over a range (for plugins that keep MD metadata on map entries). */
export { clipRange } from './map/vmMapOps.ts';
export { VmMapEntry, MAP_ENTRY_COW, MAP_ENTRY_NEEDS_COPY, MAP_ENTRY_USER_WIRED } from './map/VmMapEntry.ts';
export { Vmspace } from './proc/Vmspace.ts';
export { Process, Thread } from './proc/Process.ts';
export { DeadlockError, SleepLock, runSerial } from './sched/KGen.ts';
export { ArchOps } from './machine/ArchOps.ts';
export { Catalog, defaultMachine } from './machine/Catalog.ts';
export { Counters } from './machine/Counters.ts';
export { ExitPolicy, exitAtLastReference, exitPurgeInExit, uvmspacePurge } from './machine/ExitPolicy.ts';
export { Kernel, MMAP_BASE } from './machine/Kernel.ts';
export { Machine } from './machine/Machine.ts';
export { MadvisePolicy, MadviseFamily, freeApplies } from './machine/MadvisePolicy.ts';
export { PageDaemon, SimplePageDaemon, freeTarget } from './machine/PageDaemon.ts';
export { RevokePolicy, RevokeMode, RevokeWalk, RevocationWalk } from './machine/RevokePolicy.ts';
export { MachineError, composeMachine, resolveSpec } from './machine/composeMachine.ts';
export { PLUGIN_API_VERSION } from './machine/Plugin.ts';
export type { PluginArch, VmlabPlugin } from './machine/Plugin.ts';
export { checkPlugin, isPluginPath } from './machine/loadPlugin.ts';
export { CONFORMANCE } from './conformance/scenarios.ts';
export type { ConformanceCase } from './conformance/scenarios.ts';
export { pluginMachine, runConformance } from './conformance/runConformance.ts';
export type { ConformanceOptions, ConformanceResult } from './conformance/runConformance.ts';
/** inversify, re-exported so a plugin needs no dependency of its own (one container library per machine). */
export { ContainerModule, inject, injectable } from 'inversify';
export { EventSubscriber, MachineConfig } from './machine/tokens.ts';
export { MapDeletePolicy, mapDeleteFreeBSDSkips, mapDeleteNotifyAll } from './policy/MapDeletePolicy.ts';
export { Policies, PolicyRegistry } from './policy/PolicyDefinition.ts';
export { CORE_POLICIES } from './policy/corePolicies.ts';
export { Rangeset } from './util/Rangeset.ts';
export type { Range } from './util/Rangeset.ts';
export { InvariantContribution, InvariantRegistry } from './invariants/Invariant.ts';
export { CORE_INVARIANTS, liveVmspaces } from './invariants/coreInvariants.ts';
export { RunError, ScenarioRunner, eventLine, parseProtString } from './scenario/Runner.ts';
export {
  ScenarioError,
  ScenarioErrors,
  formatValue,
  matchExpectation,
  parseMachineFile,
  parseScenario,
} from './scenario/index.ts';
export * from './replay/index.ts';
export * from './explore/index.ts';
