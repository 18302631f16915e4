/** Moved: the policy is policy/MadvisePolicy.ts, the implementation madvise/MadviseFamily.ts. This path re-exports them. */
export {
  FreeApplies,
  MadvisePolicy,
  ReusableFault,
  ReuseMode,
  freeApplies,
  freeAppliesLegacy,
  madviseFreeBSDModule,
  reusableFaultFatal,
  reusableFaultZeroFill,
  reuseKeep,
  reuseZero,
} from '../policy/MadvisePolicy.ts';
export { MadviseFamily } from '../madvise/MadviseFamily.ts';
