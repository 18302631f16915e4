/** @vmlab/plugins: alternative policies and observers. */
export { StatsSubscriber, statsPlugin } from './StatsPlugin.ts';
export {
  pkruClearOnPmapRemove,
  pkruClearOnPmapRemoveModule,
  pkruClearOnPmapRemoveSwapout,
  pkruClearOnPmapRemoveSwapoutModule,
  pkruLegacyBindings,
} from './pkruLegacy.ts';
export { AllocAfterUnlock, swapAfterUnlockBinding, swapAfterUnlockModule } from './swapLegacyReadbehind.ts';
export { faultCowNoInvalidate, faultCowNoInvalidateBinding, faultCowNoInvalidateModule } from './faultCowLegacy.ts';
export {
  faultSoftFastUnlockFirst,
  faultSoftFastUnlockFirstBinding,
  mapCleanReadLocked,
  mapCleanReadLockedBinding,
  raceLegacyBindings,
} from './raceLegacy.ts';
export { mremapFlushDirtyOnly, mremapFlushDirtyOnlyBinding, mremapFlushDirtyOnlyModule } from './mremapLegacy.ts';
export { faultVmaLock64, faultVmaLock64Binding, faultVmaLock64Module } from './faultLockLegacy.ts';
export { exitMmapLockedStale, exitMmapLockedStaleBinding, exitMmapLockedStaleModule } from './exitMmapLegacy.ts';
export { collapseScanDeadOnly, collapseScanDeadOnlyBinding, collapseScanDeadOnlyModule } from './collapseLegacy.ts';
export { gupDropFollWrite, gupDropFollWriteBinding, gupDropFollWriteModule } from './gupLegacy.ts';
