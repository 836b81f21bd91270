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
 * With `chaos`, the callbacks ready in one pass run in an order permuted by a seeded
 * PRNG: the same seed gives the same order, bit for bit, so a failing interleaving can be
 * replayed. Without it, the order is FIFO, as on the real host.
 */
import type { LoopDriver, SyncHost } from './host';
import type { Network } from './network';
import { Random } from './random';
import { describe } from './repr';

export interface VirtualHostOptions {
  /** Seed for `chaos` (any 32-bit integer). Default 0. */
  seed?: number;
  /** Permute the callbacks ready in each pass with the seeded PRNG. */
  chaos?: boolean;
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

/** Options for a simulated network, passed through to `VirtualHost.networkFactory`. */
export type NetworkOptions = Readonly<Record<string, unknown>>;

/**
 * Makes the network of one virtual host (one `simulate()` run), from the run's options.
 * `@yieldio/sim` installs one when it is imported; core has none.
 */
export type NetworkFactory = (host: VirtualHost, options: NetworkOptions | undefined) => Network;

/** What the loop supplies for the errors the virtual host raises. */
export interface StuckReporter extends LoopDriver {
  deadlockError(): Error;
  untilError(until: number): Error;
}

export class VirtualHost implements SyncHost {
  /** Set by `@yieldio/sim` when imported: every virtual host then gets a simulated network. */
  static networkFactory: NetworkFactory | null = null;

  readonly kind = 'virtual' as const;
  readonly synchronous = true as const;
  readonly resolution = 0;
  readonly permute?: (batch: unknown[], length: number) => void;
  readonly onStep?: (taskName: string, time: number) => void;
  readonly seed: number;
  readonly until: number;
  readonly network: Network | null;
  /** No threads: their results arrive through Promises, which cannot settle in a simulation. */
  readonly executorFactory = null;
  #now = 0;
  /** What the `onStep` observer threw, to rethrow from `run` (the first error only). */
  #observerError: { exc: unknown } | null = null;
  /** Where the run's own choices come from (`decide`), apart from the chaos permutation. */
  readonly #decisions: Random;

  constructor(options: VirtualHostOptions = {}) {
    const { seed = 0, chaos = false, until = Infinity, onStep, network } = options;
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
    this.seed = seed;
    this.until = until;
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
    this.#decisions = new Random(seed ^ 0x5eed5eed);
    this.network = makeNetwork(this, network);
    if (chaos) {
      const random = new Random(seed);
      this.permute = (batch, length) => random.shuffle(batch, length);
    }
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
    return bound <= 1 ? 0 : this.#decisions.below(bound);
  }

  run(driver: LoopDriver): void {
    const reporter = driver as StuckReporter;
    for (;;) {
      const deadline = driver.nextDeadline();
      if (deadline === Infinity) throw reporter.deadlockError();
      if (deadline > this.#now) {
        if (deadline > this.until) {
          this.#now = this.until;
          throw reporter.untilError(this.until);
        }
        this.#now = deadline; // the jump
      }
      driver.runOnce();
      if (this.#observerError !== null) throw this.#observerError.exc;
      if (driver.isStopping()) return;
    }
  }

  wake(): void {
    // Nothing outside a pass can schedule work on a synchronous host.
  }

  onInterrupt(): null {
    return null;
  }
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
