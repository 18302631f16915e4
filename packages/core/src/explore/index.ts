/** Schedule exploration and fuzzing. */
export { explore, firstProblem, schedulesOf, withSchedules } from './explore.ts';
export type { ExploreHooks, ExploreOptions, ExplorePoint, ExploreResult, ExploreViolation, RunOnce, Strategy } from './explore.ts';
export { Prng } from './prng.ts';
export { FUZZ_FILE, failureSignature, generateOps, scenarioText, shrinkOps } from './fuzz.ts';
export type { FuzzOp } from './fuzz.ts';
