/**
 * @yieldio/sim: a simulated world inside `simulate()`, and the tools that search it:
 * `explore` (seeds, shrinking, replay) and the `yieldio-sim sweep` CLI (cli.ts, Node).
 */
export { explore, runSeed, sameFailure, reproOptions } from './explore';
export type { ExploreOptions, ExploreResult, RunOutcome } from './explore';
export { shrinkSchedule } from './shrink';
export type { ShrinkResult, Attempt } from './shrink';
export { ScheduleFailure } from './schedule-failure';
export { LivelockError, NondeterminismError, Schedule, ScheduleDivergedError } from '@yieldio/core';
