/**
 * wrapPromise(p): a future that settles with a Promise, the bridge from `async` code into
 * coroutines (`yield* wrapPromise(fetch(url))`). The other direction needs no bridge:
 * futures and tasks are thenables (`await task`), or call `toPromise()`.
 *
 * Cancelling the future does not cancel the Promise (nothing can); its outcome is then
 * dropped. A Promise settles in a microtask, outside the loop's pass: the settlement
 * schedules the future's callbacks and wakes the host. Inside `simulate()`, which runs
 * synchronously, no microtask runs until it returns, so a wrapped Promise can never
 * settle there; the future says so, and a `DeadlockError` names it.
 */
import { Future } from './future';
import type { EventLoop } from './loop';
import { describe, isThenable } from './repr';
import { getEventLoop } from './running';
import { checkOptions } from './options';

/** A future that settles with `promise`: the bridge from `async` code into coroutines, as asyncio's `wrap_future` is from `concurrent.futures`. */
export function wrapPromise<T>(promise: PromiseLike<T>, options?: { loop?: EventLoop }): Future<T> {
  if (!isThenable(promise)) {
    throw new TypeError(`wrapPromise(): expected a Promise (or a thenable), got ${describe(promise)}`);
  }
  checkOptions('wrapPromise()', options, ['loop']);
  const loop = options?.loop ?? getEventLoop('wrapPromise');
  const description =
    loop.host.sealed ? 'wrapPromise(): a Promise cannot settle inside simulate(), which runs synchronously' : 'wrapPromise()';
  const fut = new Future<T>({ loop, description });
  promise.then(
    (value) => {
      if (!fut.done() && !loop.isClosed()) fut.setResult(value);
    },
    (reason: unknown) => {
      if (!fut.done() && !loop.isClosed()) fut._setExceptionUnchecked(reason);
    },
  );
  return fut;
}
