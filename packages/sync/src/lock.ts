/**
 * Lock: a mutual-exclusion lock for tasks (asyncio `locks.py`, `Lock`, 3.14).
 *
 * Not owned: any task may release it. Waiters get it in arrival order (FIFO), and no
 * newcomer takes it past them: while a live waiter is queued, `acquire()` queues too,
 * even if the lock is free this instant. `release()` does not hand the lock over; it
 * unlocks and wakes the waiter at the head, which locks it again when it runs. In
 * between, `locked()` is false but no one can barge, because the woken waiter is still
 * queued (it leaves the queue itself when it runs).
 *
 * The classic race: the woken waiter is cancelled before it runs. It then never locks
 * the lock, so it must pass the wake-up on to the next waiter, or that one is stranded
 * behind a free lock (bpo-27585, bpo-32734). See the invariant at `_state`.
 *
 * `using _ = yield* lock.hold()` is `async with lock:` (hold.ts).
 *
 * Where we differ: asyncio's `RuntimeError` for releasing an unlocked lock is core's
 * `InvalidStateError`; the waiting future is awaited with a bare `yield fut` rather
 * than `yield* fut`, to save an iterator object on the hot path (the result is known:
 * the wake-up carries no value).
 *
 * Rejected: `acquire()` as a hand-written iterator object instead of a generator. It
 * measured about 25 ns (10%) faster per contended acquire in bench W7, but it spells
 * out by hand the try/finally/catch that the generator shows as asyncio writes it, and
 * must re-implement what `return()` and a second `next()` do; the generator reads
 * beside `locks.py`. A release hands over nothing (unlike a mutex that passes ownership
 * to the woken waiter) because that waiter may be cancelled before it runs, and only
 * code running in its own frame can tell.
 */
import { CancelledError, InvalidStateError, currentTask, trackCoro } from '@yieldio/core';
import type { Coro, Task } from '@yieldio/core';
import { LoopBound, bindLoop } from '@yieldio/core/internal';
import type { HoldCoro } from './hold';
import { holdOf } from './hold';
import { WaiterQueue } from './waiters';

/** A lock's state: `'unlocked'` or `'locked'`. asyncio keeps a boolean `_locked`. */
export type LockState = 'unlocked' | 'locked';

/** A mutual-exclusion lock for tasks: fair (FIFO), not reentrant (asyncio `Lock`). */
export class Lock extends LoopBound {
  /**
   * The lock invariant: whenever the lock is unlocked and a waiter that is not cancelled
   * is queued, the waiter at the head has been woken (its future is done) and is about
   * to run, so it will either lock the lock or, if it is cancelled first, wake the next.
   */
  _state: LockState = 'unlocked';
  /** Who acquired it last; meaningful while locked only. */
  _holder: Task<unknown> | null = null;
  readonly _waiters = new WaiterQueue();

  /** Whether the lock is held (asyncio `Lock.locked`). */
  locked(): boolean {
    return this._state === 'locked';
  }

  /** Wait until the lock is free and no earlier waiter is queued, then lock it. */
  acquire(): Coro<true> {
    return trackCoro(this.#acquire(), 'lock.acquire');
  }

  *#acquire(): Coro<true> {
    // Fair: wait behind any queued waiter. Going ahead when every one of them is
    // cancelled is an optimisation (they are leaving anyway).
    if (this._state === 'unlocked' && this._waiters.allCancelled()) {
      this._state = 'locked';
      this._holder = runningTask();
      return true;
    }
    const fut = bindLoop(this, 'Lock.acquire').createFuture<boolean>({ description: 'Lock.acquire()', waiterOf: this });
    // WaiterQueue.wait(fut) inline: the hot path of every lock, where the delegating
    // generator measured 20-40% slower per contended acquire (bench W7).
    this._waiters.push(fut);
    try {
      try {
        yield fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (exc) {
      // Cancelled, perhaps after release() woke us: keep the lock invariant by waking
      // the next waiter, unless someone already holds the lock (then its release will).
      if (exc instanceof CancelledError && this._state === 'unlocked') this._wakeUpFirst();
      throw exc;
    }
    this._state = 'locked';
    this._holder = runningTask();
    return true;
  }

  /** The task that acquired the lock, while it is locked: a DeadlockError names it (WaitTarget). */
  holder(): Task<unknown> | null {
    return this._state === 'locked' ? this._holder : null;
  }

  /** Unlock, and wake the first waiter. Releasing an unlocked lock is an error. */
  release(): void {
    if (this._state !== 'locked') {
      throw new InvalidStateError(
        'Lock.release(): the lock is unlocked; release only a lock you acquired (yield* lock.acquire(), or using _ = yield* lock.hold())',
      );
    }
    this._state = 'unlocked';
    this._wakeUpFirst();
  }

  /** `using _ = yield* lock.hold();`: acquire now, release when the block is left. */
  hold(): HoldCoro {
    return holdOf(this, this.acquire());
  }

  /**
   * Wake the waiter at the head, unless it is already woken (done). Only the head: if it
   * is a cancelled waiter, its own cancellation path wakes the next one when it runs.
   */
  _wakeUpFirst(): void {
    if (this._waiters.length === 0) return;
    const fut = this._waiters.at(0);
    if (!fut.done()) fut.setResult(true);
  }

  override toString(): string {
    const waiters = this._waiters.length;
    return `<Lock [${this._state}${waiters > 0 ? `, waiters:${waiters}` : ''}]>`;
  }
}

/** The task running now, or null outside any loop (an uncontended acquire needs none). */
function runningTask(): Task<unknown> | null {
  try {
    return currentTask();
  } catch {
    return null;
  }
}
