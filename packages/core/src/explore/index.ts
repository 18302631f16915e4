/** Schedule exploration (the CLI's fuzz builds its workloads on top of it). */
export { explore, firstProblem, schedulesOf, withSchedules } from './explore.ts';
export type { ExploreHooks, ExploreOptions, ExplorePoint, ExploreResult, ExploreViolation, RunOnce, Strategy } from './explore.ts';
export { Prng } from './prng.ts';
