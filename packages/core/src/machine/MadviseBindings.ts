import { ContainerModule } from 'inversify';
import type { PolicyBinding } from '../policy/PolicyDefinition.ts';
import { FreeApplies, ReusableFault, ReuseMode, freeAppliesLegacy, reusableFaultFatal, reuseZero } from './MadvisePolicy.ts';

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
