/**
 * asCompleted(aws, { timeout }): the awaitables' outcomes in the order they complete
 * (asyncio 3.13 `as_completed`).
 *
 * Returns an iterable of coroutines, as many as there are distinct awaitables; the n-th
 * coroutine waits for the n-th completion and returns its result (or throws):
 *
 *     for (const next of asCompleted([a, b, c])) {
 *       const result = yield* next;
 *     }
 *
 * With a timeout, every coroutine not yet satisfied when it passes throws `TimeoutError`.
 * The iterator also has `aiter()`, whose `anext()` gives the original futures in completion
 * order (3.13's `async for`), for code that needs to know which one finished.
 */
import type { AwaitedOf, Awaitable, Coro } from './coro';
import { TimeoutError } from './errors';
import { toFuture } from './ensure-future';
import type { DoneCallback } from './future';
import { Future } from './future';
import { describe, isGenerator } from './repr';
import { getEventLoop } from './running';
import { checkTimeout } from './wait';
import type { AsyncIterator as CoAsyncIterator } from './aiter';
import { StopAsyncIteration } from './aiter';
import { checkOptions } from './options';

/** Options of `asCompleted()`: asyncio's `as_completed(aws, *, timeout=None)`. */
export interface AsCompletedOptions {
  timeout?: number | null;
}

const AS_COMPLETED_OPTIONS = ['timeout'];

/** Iterate over `aws` in the order they finish: each item is a coroutine to `yield*` for the next result (asyncio `as_completed`). With `timeout`, the items still pending when it expires throw `TimeoutError`. */
export function asCompleted<A extends Awaitable<unknown>>(aws: Iterable<A>, options: AsCompletedOptions = {}): AsCompletedIterator<AwaitedOf<A>> {
  if (aws instanceof Future || isGenerator(aws) || typeof (aws as Iterable<A>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`asCompleted(): expected an array or set of awaitables, got ${describe(aws)}`);
  }
  checkOptions('asCompleted()', options, AS_COMPLETED_OPTIONS);
  checkTimeout('asCompleted', options.timeout);
  return new AsCompletedIterator<AwaitedOf<A>>([...new Set(aws)] as Awaitable<AwaitedOf<A>>[], options.timeout ?? null);
}

/** What `asCompleted()` returns: both a plain iterator of coroutines, as asyncio's `as_completed` is, and (3.13) an asynchronous iterator of the original futures as they finish. */
export class AsCompletedIterator<T> implements IterableIterator<Coro<T>> {
  /** Futures done but not yet handed out, in completion order. */
  readonly #done: Future<T>[] = [];
  /** Waiters for the next completion, in the order they asked. */
  readonly #waiters: Future<Future<T> | null>[] = [];
  #todoLeft: number;
  #timedOut = false;

  constructor(aws: Awaitable<T>[], timeout: number | null) {
    const loop = aws.length > 0 ? undefined : getEventLoop('asCompleted');
    const futures = aws.map((aw, i) => toFuture('asCompleted', aw, loop, i));
    this.#todoLeft = futures.length;
    const onDone = (fut: Future<T>): void => this.#handOut(fut);
    for (const fut of futures) fut._addDoneCallback(onDone as DoneCallback<never>, null);
    if (futures.length > 0 && timeout !== null) {
      const owner = futures[0]._loop;
      const timer = owner._callAt(owner.time() + timeout, () => this.#onTimeout(), null, null);
      // Once everything has completed, the timer has nothing left to do.
      let remaining = futures.length;
      const disarm = (): void => {
        if (--remaining === 0) timer.cancel();
      };
      for (const fut of futures) fut._addDoneCallback(disarm as DoneCallback<never>, null);
    }
  }

  #handOut(fut: Future<T>): void {
    // After the timeout, later completions are not handed out (3.13 `_handle_timeout`).
    if (this.#timedOut) return;
    this.#giveToNextWaiter(fut, false);
  }

  /**
   * Give `fut` to the oldest waiter still pending. A waiter can be done already: its task
   * was cancelled in this same pass, before its `catch` below could leave the line (#18).
   * With no live waiter, `fut` waits in #done, at the front if it is being handed back.
   */
  #giveToNextWaiter(fut: Future<T>, handedBack: boolean): void {
    for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
      if (!waiter.done()) {
        waiter.setResult(fut);
        return;
      }
    }
    if (handedBack) this.#done.unshift(fut);
    else this.#done.push(fut);
  }

  #onTimeout(): void {
    this.#timedOut = true;
    for (const waiter of this.#waiters.splice(0)) if (!waiter.done()) waiter.setResult(null);
  }

  /** The next completed future, or null once the timeout has passed. */
  *#waitForOne(): Coro<Future<T> | null> {
    const ready = this.#done.shift();
    if (ready !== undefined) return ready;
    if (this.#timedOut) return null;
    const waiter = getEventLoop('asCompleted').createFuture<Future<T> | null>({ description: 'asCompleted() next' });
    this.#waiters.push(waiter);
    try {
      return yield* waiter;
    } catch (exc) {
      // Cancelled while waiting: give up our place in line, so no completion is lost. If
      // a completion was handed to us before the cancellation reached us, hand it on.
      const index = this.#waiters.indexOf(waiter);
      if (index >= 0) this.#waiters.splice(index, 1);
      else if (waiter.done() && !waiter.cancelled() && waiter._result !== null) this.#giveToNextWaiter(waiter._result as Future<T>, true);
      throw exc;
    }
  }

  *#resolveOne(): Coro<T> {
    const fut = yield* this.#waitForOne();
    if (fut === null) throw new TimeoutError('asCompleted(): timed out');
    return fut.result();
  }

  /** The next coroutine to `yield*` (Python's `__next__`). */
  next(): IteratorResult<Coro<T>, undefined> {
    if (this.#todoLeft === 0) return { done: true, value: undefined };
    this.#todoLeft--;
    return { done: false, value: this.#resolveOne() };
  }

  /** The iterator itself, for `for...of`. */
  [Symbol.iterator](): this {
    return this;
  }

  /** The original futures, in completion order: `async for fut in as_completed(...)`. */
  aiter(): CoAsyncIterator<Future<T>> {
    const self = this;
    return {
      *anext(): Coro<Future<T>> {
        if (self.#todoLeft === 0) throw new StopAsyncIteration();
        self.#todoLeft--;
        const fut = yield* self.#waitForOne();
        if (fut === null) throw new TimeoutError('asCompleted(): timed out');
        return fut;
      },
      aiter() {
        return this;
      },
    };
  }
}
