/**
 * sleep(delay, result): suspend the calling task for `delay` seconds (asyncio `tasks.sleep`).
 *
 * `sleep(0)` (or any delay <= 0, as asyncio treats negatives) is a bare `yield`: it lets
 * exactly one pass go by, so other ready tasks run, without a timer or a future. A
 * positive delay is a future completed by a timer; cancelling the sleep cancels the
 * timer too (the `finally`), so a cancelled sleep leaves nothing in the heap to fire.
 */
import type { Coro } from './coro';
import { setResultUnlessCancelled } from './future';
import { describe } from './repr';
import { getRunningLoop } from './running';

export function sleep(delay: number): Coro<undefined>;
export function sleep<T>(delay: number, result: T): Coro<T>;
export function* sleep<T>(delay: number, result?: T): Coro<T | undefined> {
  if (typeof delay !== 'number') {
    throw new TypeError(`sleep(): delay must be a number of seconds, got ${describe(delay)}; for example sleep(1)`);
  }
  if (Number.isNaN(delay)) {
    throw new RangeError('sleep(): delay must be a number of seconds, got NaN');
  }
  if (delay <= 0) {
    yield;
    return result;
  }
  const loop = getRunningLoop('sleep');
  const fut = loop.createFuture<T | undefined>({ description: 'sleep()' });
  const timer = loop._callAt(loop.time() + delay, setResultUnlessCancelled as (...args: never[]) => unknown, [fut, result], null);
  try {
    return yield* fut;
  } finally {
    timer.cancel();
  }
}
