/**
 * Condition: wait until notified, under a lock (asyncio `locks.py`, `Condition`, 3.13+).
 *
 * A condition pairs a `Lock` (its own, or one passed in and shared) with a queue of
 * waiters. `wait()` must be called holding the lock: it releases the lock, waits for a
 * `notify()`, and re-acquires the lock before it returns. It re-acquires the lock even
 * when it is cancelled (while waiting for the notify or while re-acquiring), and only
 * then re-raises the `CancelledError`, so code after `wait()` (and the `using` that
 * releases the lock) always runs holding the lock.
 *
 * A waiter that was notified but leaves with an error (cancelled before it could run)
 * passes one notification on to the next waiter (gh-112202, 3.13): a notify is never
 * swallowed by a cancellation. The price, as in asyncio, is a possible spurious wake-up,
 * which condition variables allow: `waitFor(predicate)` re-checks for you.
 *
 * Where we differ: misuse (`wait`/`notify` without the lock) is core's
 * `InvalidStateError` rather than `RuntimeError`, and `notify(n)` checks `n`.
 */
import { CancelledError, InvalidStateError, trackCoro } from '@yieldio/core';
import type { Coro } from '@yieldio/core';
import { describeValue as describe } from '@yieldio/core';
import { LoopBound, bindLoop } from '@yieldio/core/internal';
import type { HoldCoro } from './hold';
import { holdOf } from './hold';
import { Lock } from './lock';
import { WaiterQueue } from './waiters';

/** A condition variable: tasks wait on it, under its lock, until another notifies them (asyncio `Condition`). */
export class Condition extends LoopBound {
  readonly _lock: Lock;
  readonly _waiters = new WaiterQueue();
  /** What a DeadlockError says a waiter waits on: this condition, or the Barrier built on it. */
  _waiterOf: object = this;
  _waitDescription = 'Condition.wait()';

  /** A condition over `lock`, or over a new `Lock` of its own. */
  constructor(lock?: Lock | null) {
    super();
    if (lock === undefined || lock === null) {
      lock = new Lock();
    } else if (!(lock instanceof Lock)) {
      throw new TypeError(`Condition(): lock must be a Lock, or omitted for a new one, got ${describe(lock)}`);
    }
    this._lock = lock;
  }

  /** Whether the underlying lock is held (asyncio `Condition.locked`). */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquire the underlying lock (asyncio `Condition.acquire`); `yield*` it. */
  acquire(): Coro<true> {
    return this._lock.acquire();
  }

  /** Release the underlying lock (asyncio `Condition.release`); InvalidStateError if it is not locked. */
  release(): void {
    if (!this._lock.locked()) {
      throw new InvalidStateError('Condition.release(): the lock is unlocked; release only a lock you acquired');
    }
    this._lock.release();
  }

  /** `using _ = yield* cond.hold();`: acquire the lock now, release it when the block is left. */
  hold(): HoldCoro {
    return holdOf(this._lock, this._lock.acquire());
  }

  /**
   * Release the lock, wait for a notify, re-acquire the lock; returns true. Call it
   * holding the lock. May wake spuriously: re-check what you wait for, or use `waitFor`.
   */
  wait(): Coro<true> {
    return trackCoro(this.#wait(), 'cond.wait');
  }

  *#wait(): Coro<true> {
    if (!this._lock.locked()) {
      throw new InvalidStateError(
        'Condition.wait(): the lock is not acquired; acquire it first (using _ = yield* cond.hold()), then wait',
      );
    }
    const fut = bindLoop(this, 'Condition.wait').createFuture<boolean>({ description: this._waitDescription, waiterOf: this._waiterOf });
    this._lock.release();
    try {
      try {
        yield* this._waiters.wait(fut);
        return true;
      } finally {
        // Re-acquire, even if cancelled, as often as it takes. Only CancelledError is
        // retried: any other error from acquire is a bug that must not spin here.
        let cancelled: CancelledError | null = null;
        for (;;) {
          try {
            yield* this._lock.acquire();
            break;
          } catch (exc) {
            if (!(exc instanceof CancelledError)) throw exc;
            cancelled = exc;
          }
        }
        if (cancelled !== null) throw cancelled;
      }
    } catch (exc) {
      // We may have been notified before the error: pass the notification on.
      this._notify(1);
      throw exc;
    }
  }

  /** Wait until `predicate()` is truthy; returns its last value. Call it holding the lock. */
  waitFor<T>(predicate: () => T): Coro<T> {
    return trackCoro(this.#waitFor(predicate), 'cond.waitFor');
  }

  *#waitFor<T>(predicate: () => T): Coro<T> {
    if (typeof predicate !== 'function') {
      throw new TypeError(`Condition.waitFor(): predicate must be a function, got ${describe(predicate)}; for example cond.waitFor(() => queue.length > 0)`);
    }
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /** Wake up to `n` waiters (default 1). They return from `wait()` once they get the lock. */
  notify(n = 1): void {
    if (typeof n !== 'number') {
      throw new TypeError(`Condition.notify(): n must be an integer >= 0 (how many waiters to wake), got ${describe(n)}`);
    }
    if (!(Number.isInteger(n) || n === Infinity) || n < 0) {
      throw new RangeError(`Condition.notify(): n must be an integer >= 0 (how many waiters to wake), got ${describe(n)}; notifyAll() wakes them all`);
    }
    if (!this._lock.locked()) {
      throw new InvalidStateError('Condition.notify(): the lock is not acquired; notify while holding it (using _ = yield* cond.hold())');
    }
    this._notify(n);
  }

  /** Wake every waiter. */
  notifyAll(): void {
    if (!this._lock.locked()) {
      throw new InvalidStateError('Condition.notifyAll(): the lock is not acquired; notify while holding it (using _ = yield* cond.hold())');
    }
    this._notify(this._waiters.length);
  }

  /** Wake the first `n` waiters not woken yet. */
  _notify(n: number): void {
    const waiters = this._waiters;
    let woken = 0;
    for (let i = 0; i < waiters.length && woken < n; i++) {
      const fut = waiters.at(i);
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }

  override toString(): string {
    const waiters = this._waiters.length;
    return `<Condition [${this._lock._state}${waiters > 0 ? `, waiters:${waiters}` : ''}]>`;
  }
}
