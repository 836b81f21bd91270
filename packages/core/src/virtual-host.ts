/**
 * VirtualHost: the loop on a virtual clock, for deterministic simulation.
 *
 * Synchronous: `run` drives passes in a plain loop and returns when the loop stops.
 * Time starts at 0 and only moves when nothing is ready, straight to the next deadline,
 * so `sleep(3600)` takes no real time (Trio's `MockClock` with `autojump_threshold=0`,
 * tokio's `time::pause`). Nothing outside can make work for a synchronous loop, so when
 * nothing is ready and no timer is pending, nothing ever will be: the host throws the
 * `DeadlockError` the loop describes, instead of hanging.
 *
 * Every choice of a run goes through one recorded decision stream (decisions.ts):
 * `decide(bound)` for the simulated network and the seeded `Math.random`, and, with a
 * `scheduler` other than `'fifo'` (`chaos: true` is `'random'`), the order of the
 * callbacks ready in each pass. The same seed gives the same run, bit for bit; the
 * recorded `Schedule` (schedule.ts) replays it exactly. Without a scheduler the order is
 * FIFO, as on the real host.
 *
 * The host also counts the task steps and callbacks run while the clock stands still:
 * past `maxStepsPerInstant` that is a livelock (livelock.ts), not a program to wait for.
 */
import type { LoopDriver, SyncHost } from './host';
import type { Network } from './network';
import { Random } from './random';
import { describe } from './repr';
import type { PassScheduler, SchedulerName } from './decisions';
import { DecisionStream, makeScheduler } from './decisions';
import { Schedule } from './schedule';
import { SpinWatch, WATCHED_STEPS } from './livelock';

/** Options of the virtual host, which `simulate()` and `newVirtualEventLoop()` take. No asyncio counterpart. */
export interface VirtualHostOptions {
  /** Seed for `chaos` (any 32-bit integer). Default 0. */
  seed?: number;
  /** Permute the callbacks ready in each pass with the seeded PRNG: `scheduler: 'random'`. */
  chaos?: boolean;
  /** Who orders the callbacks ready in a pass: `'fifo'` (default, asyncio's), `'random'` or `'pct'`. */
  scheduler?: SchedulerName;
  /** PCT's bug depth: `depth - 1` priority change points per run (default 3). */
  depth?: number;
  /** PCT's estimate of the run's length in steps, where change points are drawn (default 1000). */
  pctSteps?: number;
  /** Replay this run's decisions: a string that `onSchedule` or `explore` printed (or a `Schedule`). */
  schedule?: string | Schedule;
  /** Task steps and callbacks allowed while virtual time stands still before `LivelockError` (default 100,000). */
  maxStepsPerInstant?: number;
  /** Stop with `SimulationTimeoutError` rather than let virtual time pass this many seconds. */
  until?: number;
  /** Called before each task step, with the task's name and the virtual time. */
  onStep?: (taskName: string, time: number) => void;
  /**
   * The run's network (see network.ts): a `Network` object, or options for the simulated
   * network that `@yieldio/sim` installs (`VirtualHost.networkFactory`), which also makes
   * one per run when this is left out. Null, or nothing with no simulator imported: no
   * network, so opening a socket inside `simulate()` fails with an error that says why.
   */
  network?: Network | NetworkOptions | null;
}

/** Options for a simulated network, passed through to `VirtualHost.networkFactory`. No asyncio counterpart (simulation). */
export type NetworkOptions = Readonly<Record<string, unknown>>;

/**
 * Makes the network of one virtual host (one `simulate()` run), from the run's options.
 * `@yieldio/sim` installs one when it is imported; core has none.
 *
 * No asyncio counterpart (simulation).
 */
export type NetworkFactory = (host: VirtualHost, options: NetworkOptions | undefined) => Network;

/** The virtual clock's host, which `simulate()` runs on (no asyncio counterpart; Trio's `MockClock(autojump_threshold=0)` is the nearest). */
export class VirtualHost implements SyncHost {
  /** Set by `@yieldio/sim` when imported: every virtual host then gets a simulated network. */
  static networkFactory: NetworkFactory | null = null;

  readonly kind = 'virtual' as const;
  readonly outcome = 'sync' as const;
  /** Nothing outside a pass can make work: a Promise, thread or socket event never arrives. */
  readonly sealed = true;
  readonly resolution = 0;
  /** The scheduler, or a spin watch near the livelock limit; undefined for plain FIFO. */
  permute?: (batch: unknown[], length: number) => void;
  /** Every decision of the run, recorded (see decisions.ts). */
  readonly decisions: DecisionStream;
  readonly maxStepsPerInstant: number;
  readonly onStep?: (taskName: string, time: number) => void;
  readonly seed: number;
  readonly until: number;
  readonly network: Network | null;
  /** No threads: their results arrive through Promises, which cannot settle in a simulation. */
  readonly executorFactory = null;
  #now = 0;
  /** What the `onStep` observer threw, to rethrow from `run` (the first error only). */
  #observerError: { exc: unknown } | null = null;
  /** Where `decide` draws its values when the run is live (not replaying). */
  readonly #random: Random;
  readonly #scheduler: PassScheduler | undefined;
  /** Task steps and callbacks run since the clock last moved. */
  #steps = 0;
  #watch: SpinWatch | null = null;

  constructor(options: VirtualHostOptions = {}) {
    const { seed = 0, chaos = false, until = Infinity, onStep, network, maxStepsPerInstant = 100_000 } = options;
    if (!Number.isInteger(seed)) {
      throw new TypeError(`simulate(): seed must be an integer, got ${typeof seed === 'number' ? seed : describe(seed)}`);
    }
    if (typeof until !== 'number') {
      throw new TypeError(`simulate(): until must be a number of virtual seconds >= 0, got ${describe(until)}`);
    }
    if (Number.isNaN(until) || until < 0) {
      throw new RangeError(`simulate(): until must be a number of virtual seconds >= 0, got ${until}`);
    }
    if (onStep !== undefined && typeof onStep !== 'function') {
      throw new TypeError(`simulate(): onStep must be a function (taskName, time) => void, got ${describe(onStep)}`);
    }
    if (typeof maxStepsPerInstant !== 'number' || !(maxStepsPerInstant >= 1) || (!Number.isInteger(maxStepsPerInstant) && maxStepsPerInstant !== Infinity)) {
      throw new RangeError(
        `simulate(): maxStepsPerInstant must be an integer >= 1 (or Infinity to never stop a livelock), got ${describe(maxStepsPerInstant)}`,
      );
    }
    const { scheduler, depth, steps, replay } = checkSchedulerOptions(options, chaos);
    this.seed = seed;
    this.until = until;
    this.maxStepsPerInstant = maxStepsPerInstant;
    if (onStep !== undefined) {
      // The observer runs inside a task's step; an error of its own must not look like the
      // task's. It is kept, and `run` throws it after the pass.
      this.onStep = (taskName, time) => {
        try {
          onStep(taskName, time);
        } catch (exc) {
          this.#observerError ??= { exc };
        }
      };
    }
    this.#random = new Random(seed ^ 0x5eed5eed);
    const kind = replay?.kind ?? (scheduler === 'fifo' ? 'fifo' : 'scheduled');
    this.decisions = new DecisionStream(kind, replay);
    if (kind === 'scheduled') {
      this.#scheduler = makeScheduler(replay !== null ? 'fifo' : scheduler, this.decisions, seed, depth, steps);
      this.permute = this.#scheduler;
    }
    this.network = makeNetwork(this, network);
  }

  time(): number {
    return this.#now;
  }

  /**
   * One choice of the run, an integer in [0, bound): a simulated network asks here for
   * each packet's fate and latency, so the seed decides them. 0 is always the plain
   * choice (no fault, least delay), which is what a shrinker moves towards.
   */
  decide(bound: number): number {
    if (bound <= 1) return 0;
    if (!Number.isSafeInteger(bound)) {
      throw new RangeError(`decide(): bound must be an integer number of choices, got ${describe(bound)}`);
    }
    const stream = this.decisions;
    let value = stream.replayed(bound);
    if (value < 0) value = this.#random.below(bound);
    stream.record(value, bound);
    return value;
  }

  /** The decisions so far, as a schedule that replays them. */
  schedule(): Schedule {
    return this.decisions.schedule();
  }

  /** Drive the loop synchronously, jumping the clock, until it stops. */
  run(driver: LoopDriver): void {
    const stream = this.decisions;
    if (stream.trace !== null) stream.who = () => describeCurrent(driver);
    // W7: the steps of this instant counted in a local, the field written when the watch
    // needs it and on the way out (a field's `+=` and the limit's subtraction at every
    // pass cost 42 instructions a one-task pass). Plain code: `this.#steps += runOnce()`
    // and `this.#steps > this.maxStepsPerInstant - WATCHED_STEPS` in the loop.
    const spinFrom = this.maxStepsPerInstant - WATCHED_STEPS;
    let steps = this.#steps;
    try {
      for (;;) {
        const deadline = driver.nextDeadline();
        if (deadline === Infinity) throw driver.deadlockError();
        if (deadline > this.#now) {
          if (deadline > this.until) {
            this.#now = this.until;
            throw driver.untilError(this.until);
          }
          this.#now = deadline; // the jump
          steps = 0;
          if (this.#watch !== null) this.#unwatch();
        }
        steps += driver.runOnce();
        if (steps > spinFrom) {
          this.#steps = steps;
          this.#spinning();
        }
        if (this.#observerError !== null) throw this.#observerError.exc;
        // A replay that left its schedule: whatever the program did with it is not the run.
        if (stream.diverged !== null) throw stream.diverged;
        if (driver.isStopping()) return;
      }
    } finally {
      this.#steps = steps;
    }
  }

  /** Near the limit, watch who runs; past it, say who spins. */
  #spinning(): void {
    if (this.#watch === null) {
      const watch = new SpinWatch();
      const scheduler = this.#scheduler;
      this.#watch = watch;
      this.permute = (items, length) => {
        if (scheduler !== undefined) scheduler(items, length);
        watch.see(items, length);
      };
      return;
    }
    if (this.#steps > this.maxStepsPerInstant) {
      throw this.#watch.error(this.#now, this.#steps, this.maxStepsPerInstant);
    }
  }

  #unwatch(): void {
    this.#watch = null;
    this.permute = this.#scheduler;
  }

  /** Synchronous: `first()` has run by the time this returns, and so has `next` or `fail`. */
  after<A, T>(first: () => A, next: (value: A) => T, fail: (err: unknown) => T): T {
    let value: A;
    try {
      value = first();
    } catch (err) {
      return fail(err);
    }
    return next(value);
  }

  settled<T>(value: T): T {
    return value;
  }

  /** Nothing ready and no timer pending: nothing ever will be, so that is a deadlock. */
  stuck(driver: LoopDriver): Error | null {
    return driver.nextDeadline() === Infinity ? driver.deadlockError() : null;
  }

  wake(): void {
    // Nothing outside a pass can schedule work on a synchronous host.
  }

  onInterrupt(): null {
    return null;
  }
}

function describeCurrent(driver: LoopDriver): string {
  const task = driver._currentTask;
  return task ? `task ${JSON.stringify(task.getName())}` : 'the loop (ordering a pass, or a callback)';
}

const SCHEDULERS: readonly string[] = ['fifo', 'random', 'pct'];

function checkSchedulerOptions(
  options: VirtualHostOptions,
  chaos: boolean,
): { scheduler: SchedulerName; depth: number; steps: number; replay: Schedule | null } {
  const { scheduler = chaos ? 'random' : 'fifo', depth = 3, pctSteps = 1000, schedule } = options;
  if (typeof scheduler !== 'string' || !SCHEDULERS.includes(scheduler)) {
    throw new TypeError(`simulate(): unknown scheduler ${describe(scheduler)}; pass 'fifo', 'random' or 'pct'`);
  }
  if (chaos && scheduler !== 'random') {
    throw new TypeError(`simulate(): chaos: true means scheduler: 'random', but scheduler is '${scheduler}'; pass one of them`);
  }
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1) {
    throw new RangeError(`simulate(): depth must be an integer >= 1 (PCT's bug depth: 1 + the number of priority change points), got ${describe(depth)}`);
  }
  if (typeof pctSteps !== 'number' || !Number.isInteger(pctSteps) || pctSteps < 1) {
    throw new RangeError(`simulate(): pctSteps must be an integer >= 1 (the run's length in steps, estimated), got ${describe(pctSteps)}`);
  }
  let replay: Schedule | null = null;
  if (schedule !== undefined) {
    replay = schedule instanceof Schedule ? schedule : Schedule.parse(schedule);
    const wanted = replay.kind === 'fifo' ? 'fifo' : 'random or pct';
    if (options.scheduler !== undefined && (scheduler === 'fifo') !== (replay.kind === 'fifo')) {
      throw new TypeError(
        `simulate(): the schedule was recorded with scheduler ${wanted}, but scheduler is '${scheduler}'; leave scheduler out when replaying a schedule`,
      );
    }
  }
  return { scheduler, depth, steps: pctSteps, replay };
}

function makeNetwork(host: VirtualHost, network: Network | NetworkOptions | null | undefined): Network | null {
  if (network === null) return null;
  const factory = VirtualHost.networkFactory;
  if (network === undefined) return factory === null ? null : factory(host, undefined);
  if (typeof network !== 'object') {
    throw new TypeError(`simulate(): network must be a Network, an options object for the simulated network, or null, got ${describe(network)}`);
  }
  if (typeof (network as Partial<Network>).connect === 'function') return network as Network;
  if (factory === null) {
    throw new TypeError(
      "simulate(): network options need the simulated network; import '@yieldio/sim' first, or pass a Network object",
    );
  }
  return factory(host, network as NetworkOptions);
}
