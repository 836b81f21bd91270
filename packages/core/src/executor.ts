/**
 * Executors: running a blocking or CPU-heavy function off the loop's thread (asyncio
 * `base_events.py` `run_in_executor`, `shutdown_default_executor`; `threads.py` `to_thread`).
 *
 * `loop.runInExecutor(executor, fn, ...args)` hands `fn(...args)` to an executor and
 * returns a future that the executor's Promise settles (through `wrapPromise`, so the
 * settlement wakes the host like any other Promise). `yield* toThread(fn, ...args)` is the
 * same on the loop's default executor. The loop makes its default executor lazily, from
 * its host's `executorFactory`, and `run()` shuts it down at the end, as asyncio 3.9+ does.
 *
 * Core only declares what an executor is (types): it runs in browsers, so it cannot
 * import `worker_threads`. `@yieldio/threads` installs a worker-thread pool as the real
 * host's default when imported, as `@yieldio/net` installs Node's network. The virtual
 * host has none: a thread's result would arrive through a Promise, which cannot settle
 * inside the synchronous `simulate()`, so every call there fails at once and says so.
 *
 * Where we differ from asyncio: threads here share no memory, so `fn` crosses as source
 * text and its arguments and result are structured-cloned (the executor says so when `fn`
 * closes over outer variables); `toThread` cannot carry the task's context across either.
 * As in asyncio, cancelling the awaiting task does not stop `fn`; its result is dropped.
 * Rejected: a Promise-returning `runInExecutor` (asyncio returns a future, and a future
 * is what `wait`, `gather` and cancellation work on).
 */
import type { Coro } from './coro';
import { InvalidStateError, NondeterminismError } from './errors';
import type { Future } from './future';
import type { Executor } from './executor-seam';
import type { EventLoop } from './loop';
import { wrapPromise } from './promise';
import { describe, isGeneratorFunction } from './repr';
import { getRunningLoop } from './running';
import { trackCoro } from './debug';

/** The run of `runInExecutor` and `toThread`; `caller` names the public call in errors. */
export function runInExecutor<A extends unknown[], R>(
  loop: EventLoop,
  caller: string,
  executor: Executor | null | undefined,
  fn: (...args: A) => R,
  args: A,
): Future<Awaited<R>> {
  // Not loop._checkClosed(): it adds "()" to a method name, and `caller` has them already.
  if (loop.isClosed()) {
    throw new InvalidStateError(`${caller}: the event loop is closed; create a new one (newEventLoop()) or use run()`);
  }
  checkNotSimulated(loop, caller);
  if (typeof fn !== 'function') {
    throw new TypeError(`${caller}: expected a function to run in a thread, got ${describe(fn)}`);
  }
  if (isGeneratorFunction(fn)) {
    throw new TypeError(
      `${caller}: got generator function ${fn.name || 'fn'}; a coroutine runs on the loop, not in a thread: yield* ${fn.name || 'fn'}()`,
    );
  }
  if (executor === null || executor === undefined) {
    if (loop._executorShutdownCalled) {
      throw new InvalidStateError(`${caller}: shutdownDefaultExecutor() was called; the default executor takes no new work`);
    }
    executor = defaultExecutorOf(loop, caller);
  } else if (!isExecutor(executor)) {
    throw new TypeError(`${caller}: expected an executor (with submit and shutdown) or null for the default, got ${describe(executor)}`);
  }
  return wrapPromise(executor.submit(fn, args), { loop });
}

/** `await asyncio.to_thread(fn, *args)`: run `fn(...args)` on the default executor. */
export function toThread<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Coro<Awaited<R>> {
  return trackCoro(toThreadCoro(fn, args), 'toThread');
}

function* toThreadCoro<A extends unknown[], R>(fn: (...args: A) => R, args: A): Coro<Awaited<R>> {
  const loop = getRunningLoop();
  return yield* runInExecutor(loop, 'toThread()', null, fn, args);
}

export function checkExecutor(method: string, executor: unknown): asserts executor is Executor {
  if (!isExecutor(executor)) {
    throw new TypeError(`${method}: expected an executor (with submit and shutdown), got ${describe(executor)}`);
  }
}

export function checkNotSimulated(loop: EventLoop, caller: string): void {
  if (loop.host.sealed) {
    throw new NondeterminismError(
      `${caller}: executors are not available inside simulate(): a thread's result could never arrive on the ` +
        'synchronous virtual clock; run this under run() instead',
    );
  }
}

function isExecutor(value: unknown): value is Executor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Executor).submit === 'function' &&
    typeof (value as Executor).shutdown === 'function'
  );
}

function defaultExecutorOf(loop: EventLoop, caller: string): Executor {
  if (loop._defaultExecutor !== null) return loop._defaultExecutor;
  const factory = loop.host.executorFactory;
  if (factory === null) {
    throw new InvalidStateError(
      `${caller}: this event loop's host has no default executor; import '@yieldio/threads' to install the worker-thread pool, ` +
        'or pass one: loop.setDefaultExecutor(executor)',
    );
  }
  loop._defaultExecutor = factory();
  return loop._defaultExecutor;
}
