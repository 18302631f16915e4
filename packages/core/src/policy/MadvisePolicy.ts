import { ContainerModule } from 'inversify';
import type { Outcome } from '../abi/outcome.ts';
import { MadviseFamily } from '../madvise/MadviseFamily.ts';
import type { VmMapEntry } from '../map/VmMapEntry.ts';
import { OBJ_ONEMAPPING, type VmObject } from '../object/VmObject.ts';
import type { Process, Thread } from '../proc/Process.ts';
import type { Vmspace } from '../proc/Vmspace.ts';
import type { KGen } from '../sched/KGen.ts';
import type { VmContext } from '../vm/VmContext.ts';
import type { PolicyBinding } from './PolicyDefinition.ts';

/**
 * The madvise family (implementation: madvise/MadviseFamily.ts). Policies bind the parts
 * that vary (`madvise.free_on_shadow`, `madvise.reuse`, `madvise.reusable_fault`).
 */
export const MadvisePolicy = Symbol('MadvisePolicy');
export interface MadvisePolicy {
  madvise(ctx: VmContext, p: Process, t: Thread, start: number, end: number, advice: string): KGen<Outcome>;
  /** The fault path's hook: true if a fault at va in entry e must fail with SIGSEGV/SEGV_ACCERR. */
  faultDenied?(ctx: VmContext, vms: Vmspace, e: VmMapEntry, va: number): boolean;
}

/** `madvise.free_on_shadow`: which objects MADV_FREE acts on. */
export const FreeApplies = Symbol('FreeApplies');
export type FreeApplies = (o: VmObject) => boolean;

/** vm_object_advice_applies for MADV_FREE under `free_on_shadow: skip` (r351830). */
export function freeApplies(o: VmObject): boolean {
  return o.isAnon && (o.flags & OBJ_ONEMAPPING) !== 0 && o.backing === null;
}

/** `free_on_shadow: apply` (before r351830): any anonymous object, shadowing or shared (PR 240061). */
export function freeAppliesLegacy(o: VmObject): boolean {
  return o.isAnon;
}

/** `madvise.reuse`: what MADV_FREE_REUSE does to the pages it takes back. */
export const ReuseMode = Symbol('ReuseMode');
export interface ReuseMode {
  readonly value: string;
  /** A page taken back by REUSE: frame -1 if it was reclaimed while reusable. */
  reuse(ctx: VmContext, o: VmObject, pindex: number, frame: number): void;
}

/** `keep` (XNU): pages not reclaimed keep their data. */
export const reuseKeep: ReuseMode = {
  value: 'keep',
  reuse() {},
};

/**
 * `zero`: every page returned by REUSE reads as zero. Pages reclaimed while reusable were
 * zeroed "in the background" (their next touch zero-fills); REUSE zeroes what is left.
 */
export const reuseZero: ReuseMode = {
  value: 'zero',
  reuse(ctx, _o, _pindex, frame) {
    if (frame === -1) {
      ctx.counters.add('reuse.zeroed_in_background');
      return;
    }
    ctx.mem.contents.fill(frame, 0);
    ctx.counters.add('reuse.zeroed_at_reuse');
  },
};

/** `madvise.reusable_fault`: whether a fault on a page in the reusable state is fatal. */
export const ReusableFault = Symbol('ReusableFault');
export interface ReusableFault {
  readonly value: string;
  /** True if a fault on a reusable page fails (SIGSEGV/SEGV_ACCERR). */
  readonly fatal: boolean;
}
export const reusableFaultZeroFill: ReusableFault = { value: 'zero_fill', fatal: false };
export const reusableFaultFatal: ReusableFault = { value: 'fatal', fatal: true };

/** The defaults: FreeBSD's MADV_FREE rule, XNU's keep, zero-fill on a reusable fault. */
export const madviseFreeBSDModule = new ContainerModule(({ bind }) => {
  bind<FreeApplies>(FreeApplies).toConstantValue(freeApplies);
  bind<ReuseMode>(ReuseMode).toConstantValue(reuseKeep);
  bind<ReusableFault>(ReusableFault).toConstantValue(reusableFaultZeroFill);
  bind<MadvisePolicy>(MadvisePolicy).toDynamicValue(
    (ctx) => new MadviseFamily(ctx.get<FreeApplies>(FreeApplies), ctx.get<ReuseMode>(ReuseMode), ctx.get<ReusableFault>(ReusableFault)),
  );
});

/** `madvise.free_on_shadow: apply`: MADV_FREE acts on shadowing and shared anonymous objects (PR 240061). */
export const madviseFreeOnShadowApplyModule = new ContainerModule(({ rebind }) => {
  rebind<FreeApplies>(FreeApplies).toConstantValue(freeAppliesLegacy);
});

/** `madvise.reuse: zero`. */
export const madviseReuseZeroModule = new ContainerModule(({ rebind }) => {
  rebind<ReuseMode>(ReuseMode).toConstantValue(reuseZero);
});

/** `madvise.reusable_fault: fatal`. */
export const madviseReusableFaultFatalModule = new ContainerModule(({ rebind }) => {
  rebind<ReusableFault>(ReusableFault).toConstantValue(reusableFaultFatal);
});

/** The non-default madvise values (registered by core's Catalog). */
export const MADVISE_POLICY_BINDINGS: PolicyBinding[] = [
  { key: 'madvise.free_on_shadow', value: 'apply', module: madviseFreeOnShadowApplyModule },
  { key: 'madvise.reuse', value: 'zero', module: madviseReuseZeroModule },
  { key: 'madvise.reusable_fault', value: 'fatal', module: madviseReusableFaultFatalModule },
];
