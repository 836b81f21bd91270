/**
 * sleep(delay, result): suspend the calling task for `delay` seconds (asyncio `tasks.sleep`).
 *
 * `sleep(0)` (or any delay <= 0, as asyncio treats negatives) is a bare `yield`: it lets
 * exactly one pass go by, so other ready tasks run, without a timer or a future. A
 * positive delay is a future completed by a timer; cancelling the sleep cancels the
 * timer too (the `finally`), so a cancelled sleep leaves nothing in the heap to fire.
 *
 * `sleep` itself is a plain function, so a bad delay fails at the call; `sleep(0)` is a
 * one-shot iterator rather than a generator, because it is the commonest await there is
 * (a generator object costs twice as much to make and drive: W1 in bench/).
 */
import type { Coro } from './coro';
import { setResultUnlessCancelled } from './future';
import { describe } from './repr';
import { getRunningLoop } from './running';

export function sleep(delay: number): Coro<undefined>;
export function sleep<T>(delay: number, result: T): Coro<T>;
export function sleep<T>(delay: number, result?: T): Coro<T | undefined> {
  if (typeof delay !== 'number') {
    throw new TypeError(`sleep(): delay must be a number of seconds, got ${describe(delay)}; for example sleep(1)`);
  }
  if (Number.isNaN(delay)) {
    throw new RangeError('sleep(): delay must be a number of seconds, got NaN');
  }
  if (delay <= 0) return new YieldOnce(result) as unknown as Coro<T | undefined>;
  return sleepFor(delay, result);
}

function* sleepFor<T>(delay: number, result: T): Coro<T> {
  const loop = getRunningLoop('sleep');
  const fut = loop.createFuture<T>({ description: 'sleep()' });
  const timer = loop._callAt(loop.time() + delay, setResultUnlessCancelled as (...args: never[]) => unknown, [fut, result], null);
  try {
    return yield* fut;
  } finally {
    timer.cancel();
  }
}

/** `yield; return result;` as a hand-written iterator: the first `next` yields, the second returns. */
class YieldOnce<T> {
  #result: T;
  #yielded = false;

  constructor(result: T) {
    this.#result = result;
  }

  next(): IteratorResult<undefined, T> {
    if (this.#yielded) return { done: true, value: this.#result };
    this.#yielded = true;
    return { done: false, value: undefined };
  }

  throw(exc: unknown): IteratorResult<undefined, T> {
    this.#yielded = true;
    throw exc;
  }

  return(value: T): IteratorResult<undefined, T> {
    this.#yielded = true;
    return { done: true, value };
  }

  [Symbol.iterator](): this {
    return this;
  }
}
