/**
 * The host: what the loop stands on for time, waiting and (later) I/O.
 *
 * The loop never touches a clock or a Node timer. It asks its host what time it is, and
 * the host drives it: between passes the host waits until the loop's next deadline, or
 * until something from outside (an I/O callback, a settled Promise) calls `wake()`.
 * This is Trio's shape (`unrolled_run` yields its timeout to a driver; `trio.abc.Clock`)
 * more than asyncio's, whose loop calls `selector.select(timeout)` itself: a Node host
 * cannot block inside a pass, so the pass is split at the wait and the host owns the wait.
 *
 *   - `RealHost` (real-host.ts) sits on Node's event loop (or a browser's): it runs passes
 *     in batches per macrotask and arms one timer for the next deadline when idle.
 *   - `VirtualHost` (virtual-host.ts) is synchronous: time starts at 0 and jumps to the
 *     next deadline when nothing is ready; when nothing can ever happen again, that is a
 *     deadlock, and it says so instead of hanging.
 *
 * A simulated network will implement the I/O part of this seam (`@yieldio/net` adds it)
 * so that user code runs unchanged on either host.
 *
 * What differs between hosts is asked of the host, never branched on by kind: how a run
 * completes (`outcome`, `after`, `settled`: a value, or a Promise), whether a loop with
 * nothing scheduled is stuck for good (`stuck`), and whether anything outside the loop
 * can make work (`sealed`). A third host (a browser's, a test's) implements these and
 * needs no new branch in the loop, the runner or net.
 */

import type { ExecutorFactory } from './executor-seam';
import type { Network } from './network';

/** What a host sees of the loop it drives. No asyncio counterpart: asyncio's `_run_once` is one method of the loop. */
export interface LoopDriver {
  /**
   * Phases 1 and 2 of a pass: drop cancelled timers, then say when the next pass has
   * work: `-Infinity` if something is ready now (or the loop is stopping), the earliest
   * timer's deadline otherwise, `Infinity` if nothing is scheduled at all.
   */
  nextDeadline(): number;
  /** Phases 4 and 5: move due timers to the ready queue, run exactly what is ready; returns how many ran. */
  runOnce(): number;
  /** True once `stop()` was called: the host returns after the pass that saw it. */
  isStopping(): boolean;
  /**
   * The error for a program that can never finish (a `DeadlockError` naming each blocked
   * task): a host that knows nothing outside can wake the loop throws it (deadlock.ts).
   */
  deadlockError(): Error;
  /** The error for a program still running at `until` seconds on the host's clock (a `SimulationTimeoutError`). */
  untilError(until: number): Error;
  /** The task whose step is running, for a host's trace of who made a decision; null between steps. */
  readonly _currentTask: { getName(): string } | null;
}

/**
 * What a run gives back on each kind of host: the value itself where `run` returns once
 * the loop has stopped (the virtual clock), a Promise of it where the host drives the
 * loop from its own event loop (the real clock). A host names its kind in `outcome`.
 * No asyncio counterpart: asyncio's `run_until_complete` always blocks.
 */
export interface Outcomes<T> {
  sync: T;
  async: Promise<T>;
}

/** A loop's host: it keeps the time, waits between passes and drives them; no asyncio counterpart (asyncio's loop waits in its selector itself). */
export interface Host {
  /** 'real' for a wall clock and real I/O, 'virtual' for simulation: for `toString`, never to branch on. */
  readonly kind: 'real' | 'virtual';
  /** Whether `run` returns once the loop stopped ('sync') or a Promise ('async'): see `Outcomes`. */
  readonly outcome: keyof Outcomes<unknown>;
  /**
   * True where only the loop itself can make work (the virtual clock): no Promise
   * settles, no thread, process, signal or socket event arrives while it runs, so what
   * waits for one would wait for ever. Executors, `wrapPromise` and net check it to fail
   * at once, saying why.
   */
  readonly sealed: boolean;
  /** Drive the loop until it stops: return then, or settle the Promise then. */
  run(driver: LoopDriver): Outcomes<void>[this['outcome']];
  /**
   * `next(value)` once `first()` has given its value, `fail(err)` if it threw: at once on
   * a synchronous host, when the Promise settles otherwise. The loop and the runner
   * sequence a run through this, so they read the same on every host.
   */
  after<A, T>(first: () => Outcomes<A>[this['outcome']], next: (value: A) => T, fail: (err: unknown) => T): Outcomes<T>[this['outcome']];
  /** `value` as this host's outcome: the value itself, or a Promise of it. */
  settled<T>(value: T): Outcomes<T>[this['outcome']];
  /**
   * The error for a loop with nothing ready and nothing scheduled, if nothing outside it can
   * ever make work (the virtual clock: `driver.deadlockError()`), else null (the real host:
   * an I/O callback or a Promise may still wake it).
   */
  stuck(driver: LoopDriver): Error | null;
  /**
   * Timers due within this many seconds of now run now. Node's timers have 1 ms
   * granularity and may fire a fraction early; the virtual clock is exact (0).
   */
  readonly resolution: number;
  /** Seconds on this host's monotonic clock. */
  time(): number;
  /**
   * Something outside a pass made work for the loop (a callback or timer was scheduled
   * from an I/O callback or a settled Promise): stop waiting and run a pass soon.
   * Cheap and idempotent; a host that is not waiting ignores it.
   */
  wake(): void;
  /**
   * `wake()` for work a socket's event made (net's transports): a host may run that pass
   * sooner, at the end of the I/O callback (RealHost). Omitted: `wake()` is used.
   */
  wakeForIo?(): void;
  /**
   * Reorder (or watch) the callbacks about to run in one pass, in place. Only a
   * simulation does (`simulate({ scheduler })`, or its livelock watch); a real host leaves
   * the order FIFO and omits this.
   */
  readonly permute?: (batch: unknown[], length: number) => void;
  /**
   * Call `handler` on Ctrl-C (SIGINT) until the returned function is called. A host
   * without signals returns null.
   */
  onInterrupt(handler: () => void): (() => void) | null;
  /** Observe each task step (`simulate({ onStep })`): for traces in tests. */
  readonly onStep?: (taskName: string, time: number) => void;
  /**
   * Sockets, datagrams and name lookups (network.ts), or null where there are none: the
   * real host gets Node's when `@yieldio/net` is imported; the virtual host has none
   * unless `simulate(main(), { network })` gives it a simulated one.
   */
  readonly network: Network | null;
  /**
   * Makes a loop's default executor (executor.ts), or null where there is none: the real
   * host gets a worker-thread pool when `@yieldio/threads` is imported; the virtual host
   * never has one (a thread's result could not arrive inside `simulate()`).
   */
  readonly executorFactory: ExecutorFactory | null;
}

/**
 * A host that drives the loop synchronously: `runForever` returns when the loop stops.
 * No asyncio counterpart (the virtual clock's kind of host).
 */
export interface SyncHost extends Host {
  readonly outcome: 'sync';
}

/**
 * A host that drives the loop from its own event loop: `runForever` returns a Promise.
 * No asyncio counterpart (asyncio's loop waits in `selector.select()` itself).
 */
export interface AsyncHost extends Host {
  readonly outcome: 'async';
}

/**
 * What `runUntilComplete` returns on a loop with host `H`: a value, or a Promise of it.
 * No asyncio counterpart: on the real clock a Promise, as Node cannot block its thread.
 */
export type Completion<H extends Host, T> = Outcomes<T>[H['outcome']];
