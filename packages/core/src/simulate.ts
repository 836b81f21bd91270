/**
 * simulate(coro, options): run a program on the virtual clock, synchronously, and return
 * its result. Deterministic: the same program and seed give the same run, step for step.
 *
 *   - Time starts at 0 and jumps to the next timer whenever nothing is ready, so an hour
 *     of `sleep`s takes microseconds.
 *   - `seed` and `chaos`: with `chaos`, the callbacks ready in each pass run in an order
 *     permuted by a PRNG seeded with `seed`, to shake out order-dependent bugs; print the
 *     seed of a failing run and replay it.
 *   - A program that can never finish throws `DeadlockError`, naming each blocked task and
 *     what it waits for, instead of hanging; `until` (virtual seconds) bounds a program
 *     that would run forever, with `SimulationTimeoutError`.
 *   - `onStep(name, time)` is called before every task step: record it to compare traces.
 *
 * Like `run`, it cancels the tasks left when the main one is done and closes the loop.
 * Real I/O (sockets, subprocesses, Promises) cannot happen inside: the loop is synchronous.
 */
import type { Coro } from './coro';
import { newVirtualEventLoop } from './events';
import { Runner } from './runners';
import type { VirtualHostOptions } from './virtual-host';
import type { VirtualHost } from './virtual-host';
import { getRunningLoopOrNull } from './running';
import { InvalidStateError } from './errors';
import { isGenerator } from './repr';
import { describeCoroArgument } from './task';

/** Options of `simulate()`: the virtual host's, and `debug`. No asyncio counterpart. */
export interface SimulateOptions extends VirtualHostOptions {
  debug?: boolean;
}

/** Run `coro` on a virtual clock, synchronously and deterministically, and return its result (no asyncio counterpart; the virtual-clock sibling of `run`). */
export function simulate<T>(coro: Coro<T>, options: SimulateOptions = {}): T {
  if (getRunningLoopOrNull() !== null) {
    throw new InvalidStateError('simulate(): cannot be called from a running event loop; await the coroutine instead: yield* coro');
  }
  if (!isGenerator(coro)) {
    throw new TypeError(`simulate(): expected a coroutine, got ${describeCoroArgument(coro)}`);
  }
  const runner = new Runner<VirtualHost>({ loopFactory: () => newVirtualEventLoop(options), debug: options.debug });
  let result: T;
  try {
    result = runner.run(coro);
  } catch (err) {
    closeQuietly(runner);
    throw err;
  }
  runner.close();
  return result;
}

/** After a failure: try to let the other tasks clean up, but report the first error. */
function closeQuietly(runner: Runner<VirtualHost>): void {
  try {
    runner.close();
  } catch {
    // Cleanup deadlocked too (tasks that wait on each other can't be cancelled out of it):
    // abandon them; the original error says what went wrong.
    const loop = runner._loop;
    if (loop !== null && !loop.isRunning()) loop.close();
  }
}
