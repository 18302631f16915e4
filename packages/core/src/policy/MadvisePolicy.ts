import { ContainerModule } from 'inversify';
import {
  type FreeApplies as FreeAppliesShape,
  MadviseFamily,
  type ReusableFault as ReusableFaultShape,
  type ReuseMode as ReuseModeShape,
} from '../madvise/MadviseFamily.ts';
import { OBJ_ONEMAPPING, type VmObject } from '../object/VmObject.ts';
import type { MadvisePolicy as MadvisePolicyShape } from '../vm/VmContext.ts';
import type { PolicyBinding } from './PolicyDefinition.ts';

/**
 * The madvise family (implementation: madvise/MadviseFamily.ts). Policies bind the parts
 * that vary (`madvise.free_on_shadow`, `madvise.reuse`, `madvise.reusable_fault`).
 */
export const MadvisePolicy = Symbol('MadvisePolicy');
/** The interface (declared beside the context in vm/VmContext.ts). */
export type MadvisePolicy = MadvisePolicyShape;

/** `madvise.free_on_shadow`: which objects MADV_FREE acts on. */
export const FreeApplies = Symbol('FreeApplies');
export type FreeApplies = FreeAppliesShape;

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
export type ReuseMode = ReuseModeShape;

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
export type ReusableFault = ReusableFaultShape;
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
