/**
 * explore(() => main(), options): run a program under many seeds, and when one fails,
 * shrink its schedule and throw a `ScheduleFailure` that says how to replay it.
 *
 * Each run is `simulate(main(), { seed, scheduler, ... })` with seeds `seed`,
 * `seed + 1`, ...; the scheduler (default `'random'`; `'pct'` with `depth` for bugs that
 * need a few ordering constraints) draws a different interleaving from each seed, and the
 * simulated network (with `network` options) different packet fates. The first run that
 * throws stops the exploration; its recorded schedule is shrunk (shrink.ts) to the fewest
 * departures from FIFO, no faults and the least latency that still fail with the same
 * error class and message, and the error's last line is the call that replays it.
 *
 * Synchronous, like `simulate`: usable inside a jest test or an `fc.assert` property.
 */
import { Schedule, describeValue, getRunningLoop, holdSimulatedGlobals, simulate } from '@yieldio/core';
import type { Coro, SchedulerName, SimulateOptions } from '@yieldio/core';
import { ScheduleFailure } from './schedule-failure';
import { shrinkSchedule } from './shrink';

/** Options of `explore()`: how many runs, from which seed, under which scheduler and network, and whether to shrink. No asyncio counterpart. */
export interface ExploreOptions {
  /** How many seeds to run (default 100). */
  runs?: number;
  /** The first seed (default 0); run i uses seed + i. */
  seed?: number;
  /** `'random'` (default), `'pct'` or `'fifo'` (then only the network and `Math.random` vary). */
  scheduler?: SchedulerName;
  /** PCT's bug depth (default 3). */
  depth?: number;
  /** Options for the simulated network of each run (`@yieldio/sim`). */
  network?: SimulateOptions['network'];
  /** Virtual seconds a run may last (`SimulationTimeoutError` past it). */
  until?: number;
  /** Shrink the failing schedule (default true). */
  shrink?: boolean;
  /** Passed to each run (default 100,000). */
  maxStepsPerInstant?: number;
}

/** What `explore()` returns when every run passed: the run count and the seeds per second. No asyncio counterpart. */
export interface ExploreResult {
  runs: number;
  failures: 0;
  seedsPerSecond: number;
}

/** One run of a program under one seed: what a sweep reports. No asyncio counterpart. */
export interface RunOutcome {
  seed: number;
  ok: boolean;
  error: unknown;
  schedule: Schedule;
  /** Virtual seconds the run lasted. */
  time: number;
  /** Wall-clock milliseconds. */
  wallMs: number;
}

const KNOWN_OPTIONS: readonly string[] = ['runs', 'seed', 'scheduler', 'depth', 'network', 'until', 'shrink', 'maxStepsPerInstant'];

/** Run `main()` under many seeds; on the first failure, shrink its schedule and throw `ScheduleFailure` with a line that replays it (fast-check's `assert` for schedules). No asyncio counterpart. */
export function explore<T>(main: () => Coro<T>, options: ExploreOptions = {}): ExploreResult {
  checkExploreArguments('explore()', main, options);
  const { runs = 100, seed = 0, shrink = true } = options;
  const started = performance.now();
  // The runs share one installation of the simulated globals (each run still gets its own clock and seed).
  const release = holdSimulatedGlobals();
  try {
    const steps = pctEstimate(main, options);
    for (let i = 0; i < runs; i++) {
      const outcome = runSeed(main, seed + i, options, steps);
      if (!outcome.ok) throw failure(main, outcome, options, shrink, i + 1, runs);
    }
  } finally {
    release();
  }
  const seconds = (performance.now() - started) / 1000;
  return { runs, failures: 0, seedsPerSecond: seconds > 0 ? runs / seconds : Infinity };
}

/**
 * PCT's estimate of a run's length (k in the paper, where change points are drawn): the
 * task steps of one run under seed 0, so every seed, worker and shard uses the same.
 */
export function pctEstimate<T>(main: () => Coro<T>, options: ExploreOptions): number | undefined {
  if (options.scheduler !== 'pct') return undefined;
  let steps = 0;
  try {
    simulate(main(), { ...simulateOptions(0, { ...options, scheduler: 'random' }), onStep: () => steps++ });
  } catch {
    // A failing run still says how long runs are.
  }
  return Math.max(1, steps);
}

/** Run `main()` once under `seed`; never throws what the program throws. No asyncio counterpart. */
export function runSeed<T>(main: () => Coro<T>, seed: number, options: ExploreOptions = {}, pctSteps?: number, schedule?: Schedule): RunOutcome {
  let recorded: Schedule | null = null;
  let time = 0;
  const t0 = performance.now();
  const coro = main();
  function* timed(): Coro<T> {
    try {
      return yield* coro;
    } finally {
      time = getRunningLoop().time();
    }
  }
  let ok = true;
  let error: unknown;
  try {
    simulate(timed(), { ...simulateOptions(seed, options, pctSteps, schedule), onSchedule: (s) => (recorded = s) });
  } catch (err) {
    ok = false;
    error = err;
    const at = (err as { time?: unknown } | null)?.time;
    if (typeof at === 'number') time = at;
  }
  return { seed, ok, error, schedule: recorded!, time, wallMs: performance.now() - t0 };
}

function simulateOptions(seed: number, options: ExploreOptions, pctSteps?: number, schedule?: Schedule): SimulateOptions {
  const out: SimulateOptions = { seed };
  if (schedule !== undefined) out.schedule = schedule;
  else out.scheduler = options.scheduler ?? 'random';
  if (options.depth !== undefined && schedule === undefined) out.depth = options.depth;
  if (pctSteps !== undefined && schedule === undefined && out.scheduler === 'pct') out.pctSteps = pctSteps;
  if (options.network !== undefined) out.network = options.network;
  if (options.until !== undefined) out.until = options.until;
  if (options.maxStepsPerInstant !== undefined) out.maxStepsPerInstant = options.maxStepsPerInstant;
  return out;
}

/** The same failure: the same error class and message. No asyncio counterpart. */
export function sameFailure(a: unknown, b: unknown): boolean {
  if (a instanceof Error && b instanceof Error) return a.constructor === b.constructor && a.message === b.message;
  return !(a instanceof Error) && !(b instanceof Error) && String(a) === String(b);
}

function failure<T>(main: () => Coro<T>, outcome: RunOutcome, options: ExploreOptions, shrink: boolean, run: number, runs: number): ScheduleFailure {
  let shrunk = outcome.schedule;
  let attempts = 0;
  if (shrink) {
    const result = shrinkSchedule(outcome.schedule, (guide) => {
      const again = runSeed(main, outcome.seed, options, undefined, guide);
      return !again.ok && sameFailure(again.error, outcome.error) ? again.schedule : null;
    });
    shrunk = result.schedule;
    attempts = result.attempts;
  }
  const cause = outcome.error;
  const what = cause instanceof Error ? `${cause.name}: ${cause.message.split('\n')[0]}` : `threw ${describeValue(cause)}`;
  const lines = [
    `explore(): run ${run} of ${runs} failed (seed ${outcome.seed}, scheduler ${options.scheduler ?? 'random'}): ${what}`,
    shrink
      ? `shrunk in ${attempts} runs from ${outcome.schedule.departures} departures from the plain run (${outcome.schedule.length} decisions) to ${shrunk.departures}`
      : `not shrunk (shrink: false): ${outcome.schedule.departures} departures from the plain run (${outcome.schedule.length} decisions)`,
    'replay it with:',
    `simulate(main(), ${reproOptions(outcome.seed, shrunk, options)})`,
  ];
  return new ScheduleFailure(lines.join('\n'), { seed: outcome.seed, schedule: outcome.schedule, shrunk, cause, run });
}

/** `{ seed: N, schedule: "..." }`, plus the options the replay needs to be the same run. No asyncio counterpart. */
export function reproOptions(seed: number, schedule: Schedule, options: ExploreOptions): string {
  let text = `{ seed: ${seed}, schedule: ${JSON.stringify(String(schedule))}`;
  if (options.network !== undefined && options.network !== null) {
    try {
      text += `, network: ${JSON.stringify(options.network)}`;
    } catch {
      text += ', network: /* the same network */';
    }
  }
  if (options.until !== undefined) text += `, until: ${options.until}`;
  if (options.maxStepsPerInstant !== undefined) text += `, maxStepsPerInstant: ${options.maxStepsPerInstant}`;
  return `${text} }`;
}

export function checkExploreArguments(caller: string, main: unknown, options: unknown): void {
  if (typeof main !== 'function') {
    const isCoro = typeof main === 'object' && main !== null && typeof (main as Generator).next === 'function' && typeof (main as Generator).throw === 'function';
    throw new TypeError(
      isCoro
        ? `${caller}: expected a function that returns the coroutine, got a coroutine (a generator object), which can run only once; pass explore(() => main())`
        : `${caller}: expected a function that returns the coroutine, got ${describeValue(main)}; pass explore(() => main())`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${caller}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new TypeError(`${caller}: unknown option ${JSON.stringify(key)}; the options are ${KNOWN_OPTIONS.join(', ')}`);
    }
  }
  const { runs, seed, shrink } = options as ExploreOptions;
  if (runs !== undefined && (typeof runs !== 'number' || !Number.isInteger(runs) || runs <= 0)) {
    throw new RangeError(`${caller}: runs must be an integer >= 1, got ${describeValue(runs)}`);
  }
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed))) {
    throw new TypeError(`${caller}: seed must be an integer, got ${describeValue(seed)}`);
  }
  if (shrink !== undefined && typeof shrink !== 'boolean') {
    throw new TypeError(`${caller}: shrink must be true or false, got ${describeValue(shrink)}`);
  }
}
