/**
 * sleep(delay, result): suspend the calling task for `delay` seconds (asyncio `tasks.sleep`).
 *
 * asyncio's sleep is five lines: make a future, `call_later(delay, set_result, fut)`,
 * await the future, and cancel the timer in a `finally`. Here that is the reading, and
 * what runs is the same thing with fewer objects, because sleep is the commonest await
 * there is (W1 and W5 in bench/):
 *
 *   - `sleep(0)` (or any delay <= 0, as asyncio treats negatives) is a bare `yield`: it
 *     lets exactly one pass go by, so other ready tasks run, without a timer or a future.
 *   - a positive delay is a `SleepFuture`: a future that is also its own timer. The loop's
 *     heap holds it as it holds a `TimerHandle`; when it comes due the loop runs it, and
 *     running it sets the result. Cancelling it (the task was cancelled) also takes the
 *     timer out of the heap, as the `finally` does in asyncio. One object, where the
 *     textbook shape is a generator, a future, a timer handle and its argument array.
 *
 * Both are hand-written one-shot coroutines (`next`, `throw`, `return`), not generators:
 * a generator object costs twice as much to make and drive. Like a coroutine, a sleep
 * does nothing until it is first resumed, so `run(sleep(1))` works and the delay counts
 * from the `yield*`, not from the call. `sleep` itself is a plain function, so a bad
 * delay fails at the call.
 */
import type { Coro } from './coro';
import { Future, LOOP_ONLY } from './future';
import type { Timer } from './handle';
import type { EventLoop } from './loop';
import { describe } from './repr';
import { getRunningLoop } from './running';
import { addYieldChain, trackCoro } from './debug';

/** Suspend the calling task for `delay` seconds (asyncio `sleep`); `sleep(0)` gives up one pass. */
export function sleep(delay: number): Coro<undefined>;
/** Suspend the calling task for `delay` seconds, then return `result` (asyncio `sleep(delay, result)`). */
export function sleep<T>(delay: number, result: T): Coro<T>;
export function sleep<T>(delay: number, result?: T): Coro<T | undefined> {
  if (typeof delay !== 'number') {
    throw new TypeError(`sleep(): delay must be a number of seconds, got ${describe(delay)}; for example sleep(1)`);
  }
  if (Number.isNaN(delay)) {
    throw new RangeError('sleep(): delay must be a number of seconds, got NaN');
  }
  if (delay <= 0) return trackCoro(new YieldOnce(result) as unknown as Coro<T | undefined>, 'sleep');
  return trackCoro(new SleepFor(delay, result) as unknown as Coro<T | undefined>, 'sleep');
}

/**
 * What `YieldOnce.next` returns, made once: `yield*` hands the result of its inner
 * iterator's `next` straight to the task, which only reads it, so one frozen object
 * serves every `sleep(0)` (two allocations fewer per switch, W1 in bench/).
 */
const YIELD_NOTHING: IteratorResult<undefined, never> = Object.freeze({ done: false, value: undefined });
const RETURN_NOTHING: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/** `yield; return result;` as a hand-written iterator: the first `next` yields, the second returns. */
class YieldOnce<T> {
  #result: T;
  #yielded = false;

  constructor(result: T) {
    this.#result = result;
  }

  next(): IteratorResult<undefined, T> {
    if (!this.#yielded) {
      this.#yielded = true;
      return YIELD_NOTHING;
    }
    const result = this.#result;
    return result === undefined ? (RETURN_NOTHING as IteratorResult<undefined, T>) : { done: true, value: result };
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

  /** What a bad `yield sleep(...)` (no star) is called in its error. */
  toString(): string {
    return '<coroutine sleep()>';
  }
}

/**
 * `const fut = new SleepFuture(...); return yield* fut;` as a hand-written iterator: the
 * first `next` starts the timer and yields its future (the task waits on it); the next
 * one, once the future is done, returns its result. `throw` and `return` (the task was
 * cancelled, or the coroutine closed) cancel the future, and with it the timer.
 */
class SleepFor<T> {
  /**
   * The delay until the first `next`, then the future. One field for both (W9's W5b: 8
   * bytes and the delay's 16-byte number box less per sleeping task, as a number field
   * boxes its own copy). Plain code: `#delay: number` and `#fut: SleepFuture | null`.
   */
  #delayOrFut: number | SleepFuture<T>;
  readonly #result: T;

  constructor(delay: number, result: T) {
    this.#delayOrFut = delay;
    this.#result = result;
  }

  next(): IteratorResult<Future<T>, T> {
    let fut = this.#delayOrFut;
    if (typeof fut === 'number') {
      const loop = getRunningLoop('sleep');
      fut = this.#delayOrFut = new SleepFuture(loop, loop.time() + fut, this.#result);
    }
    if (fut._state === 'pending') return { done: false, value: fut };
    return { done: true, value: fut.result() };
  }

  throw(exc: unknown): IteratorResult<Future<T>, T> {
    const fut = this.#delayOrFut;
    if (typeof fut !== 'number') {
      fut.cancel();
      if (fut._loop._debug) addYieldChain(exc);
    }
    throw exc;
  }

  return(value: T): IteratorResult<Future<T>, T> {
    const fut = this.#delayOrFut;
    if (typeof fut !== 'number') fut.cancel();
    return { done: true, value };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** What a bad `yield sleep(...)` (no star) is called in its error. */
  toString(): string {
    return '<coroutine sleep()>';
  }
}

/**
 * The future a positive sleep waits on, and its own timer in the loop's heap (see the
 * module note).
 */
export class SleepFuture<T> extends Future<T> implements Timer {
  readonly _when: number;
  readonly _seq: number;
  _scheduled = true;
  _next: Timer | undefined = undefined;

  constructor(loop: EventLoop, when: number, value: T) {
    super(undefined, LOOP_ONLY, loop);
    this._when = when;
    this._seq = loop._timerSeq++;
    // The sleep's result waits in `_result`, which a pending sleep does not use (W9's
    // W5b: 8 bytes less per sleeping task; plain code: a `#value` field).
    this._result = value;
    loop._addTimer(this);
  }

  /** The timer is due: the sleep is over (unless it was cancelled meanwhile). */
  _run(): void {
    if (this._state === 'pending') this.setResult(this._result as T);
  }

  /**
   * The timer's flag (Timer `_cancelled`), read by the loop only while the timer is in
   * its heap, or as it leaves it: there, the sleep was cancelled exactly when its future
   * was. A getter, not a field (W9's W5b: 8 bytes less per sleeping task). Plain code:
   * a `_cancelled = false` field, set to true in `cancel()` while `_scheduled`.
   */
  get _cancelled(): boolean {
    return this._state === 'cancelled';
  }

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    if (this._scheduled) this._loop._timerHandleCancelled(this);
    return true;
  }
}
// Every sleep's future has the same description: one on the prototype, not a field in
// each (W5; plain code: `super({ loop, description: 'sleep()' })`).
Object.defineProperty(SleepFuture.prototype, 'description', { value: 'sleep()', writable: true, configurable: true });
