/** Schedule exploration and fuzzing. */
export { explore, firstProblem, schedulesOf, withSchedules } from './explore.ts';
export type { ExploreHooks, ExploreOptions, ExplorePoint, ExploreResult, ExploreViolation, RunOnce, Strategy } from './explore.ts';
export { Prng } from './prng.ts';
export { CALL_PADS, FUZZ_FILE, failureSignature, generateOps, isRace, scenarioOf, scenarioText, shrinkOps, withOpSchedules } from './fuzz.ts';
export type { FuzzOp } from './fuzz.ts';
