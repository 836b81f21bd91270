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
 * `acquire()` reads as asyncio's generator (the plain code at `Acquire`), and runs as a
 * hand-written iterator (W7 in bench/): a generator object per acquire, and V8's resume
 * through it at the wake-up, cost a fifth of a contended acquire. A release hands over
 * nothing (unlike a mutex that passes ownership to the woken waiter) because that
 * waiter may be cancelled before it runs, and only code running in its own frame can tell.
 */
import { CancelledError, InvalidStateError, currentTask, trackCoro } from '@yieldio/core';
import type { Coro, Future, Task } from '@yieldio/core';
import { LoopBound, bindLoop, createFutureUnchecked } from '@yieldio/core/internal';
import type { HoldCoro } from './hold';
import { Hold, forbidDispose, holdOf } from './hold';
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
  /** The options of every waiter's future (a DeadlockError shows them): made once, not per wait (W7). */
  readonly _waiterOptions: { readonly description: string; readonly waiterOf: object } = { description: 'Lock.acquire()', waiterOf: this };

  /** Whether the lock is held (asyncio `Lock.locked`). */
  locked(): boolean {
    return this._state === 'locked';
  }

  /** Wait until the lock is free and no earlier waiter is queued, then lock it. */
  acquire(): Coro<true> {
    return trackCoro(new Acquire(this) as unknown as Coro<true>, 'lock.acquire');
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

  /**
   * `using _ = yield* lock.hold();`: acquire now, release when the block is left. W7:
   * acquire's own iterator, finishing with the Hold. Plain code, and still the code in
   * debug mode (whose wrapper, debug.ts, lacks the Symbol.dispose guard of hold.ts):
   * `holdOf(this, this.acquire())`, a generator around acquire's, one resume more at
   * every wake-up.
   */
  hold(): HoldCoro {
    const hold = new AcquireHold(this) as unknown as Coro<Hold>;
    const tracked = trackCoro(hold, 'lock.acquire');
    return tracked === hold ? (hold as unknown as HoldCoro) : holdOf(this, tracked);
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

const NOT_STARTED = 0;
const WAITING = 1;
const FINISHED = 2;
const ACQUIRED: IteratorResult<never, true> = Object.freeze({ done: true, value: true });

/**
 * What `lock.acquire()` returns: asyncio's `Lock.acquire`, written as an iterator (W7,
 * see the module note). The plain code it replaces, line for line as in `locks.py`:
 *
 *     *acquire(): Coro<true> {
 *       if (this._state === 'unlocked' && this._waiters.allCancelled()) {
 *         this._state = 'locked';
 *         this._holder = runningTask();
 *         return true;
 *       }
 *       const fut = bindLoop(this, 'Lock.acquire').createFuture(this._waiterOptions);
 *       this._waiters.push(fut);
 *       try {
 *         try {
 *           yield fut;
 *         } finally {
 *           this._waiters.remove(fut);
 *         }
 *       } catch (exc) {
 *         // Cancelled, perhaps after release() woke us: keep the lock invariant by
 *         // waking the next waiter, unless someone holds the lock (its release will).
 *         if (exc instanceof CancelledError && this._state === 'unlocked') this._wakeUpFirst();
 *         throw exc;
 *       }
 *       this._state = 'locked';
 *       this._holder = runningTask();
 *       return true;
 *     }
 *
 * The first `next()` runs up to `yield fut`, the second the rest; `throw()` is the
 * `finally` and the `catch`, `return()` the `finally` alone. Like a generator, it does
 * nothing until first resumed, and once finished it stays finished.
 */
class Acquire<T = true> {
  readonly #lock: Lock;
  #state = NOT_STARTED;
  #fut: Future<boolean> | null = null;

  constructor(lock: Lock) {
    this.#lock = lock;
  }

  next(): IteratorResult<Future<boolean>, T> {
    const lock = this.#lock;
    if (this.#state === NOT_STARTED) {
      // Fair: wait behind any queued waiter. Going ahead when every one of them is
      // cancelled is an optimisation (they are leaving anyway).
      if (lock._state === 'unlocked' && lock._waiters.allCancelled()) return this._acquired(runningTask());
      // W7: loop.createFuture(lock._waiterOptions), without checking the options' keys.
      const fut = createFutureUnchecked<boolean>(bindLoop(lock, 'Lock.acquire'), lock._waiterOptions);
      lock._waiters.push(fut);
      this.#fut = fut;
      this.#state = WAITING;
      return { done: false, value: fut };
    }
    if (this.#state === WAITING) {
      // Woken (after `yield fut`).
      const fut = this.#fut!;
      lock._waiters.remove(fut);
      return this._acquired(currentTask(fut.getLoop()));
    }
    return { done: true, value: undefined as T };
  }

  throw(exc: unknown): IteratorResult<Future<boolean>, T> {
    if (this.#state === WAITING) {
      this.#lock._waiters.remove(this.#fut!);
      // Cancelled, perhaps after release() woke us: keep the lock invariant by waking
      // the next waiter, unless someone already holds the lock (then its release will).
      if (exc instanceof CancelledError && this.#lock._state === 'unlocked') this.#lock._wakeUpFirst();
    }
    this.#state = FINISHED;
    throw exc;
  }

  return(value: T): IteratorResult<Future<boolean>, T> {
    if (this.#state === WAITING) this.#lock._waiters.remove(this.#fut!);
    this.#state = FINISHED;
    return { done: true, value };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Lock it for `holder`, and finish with acquire's result. */
  _acquired(holder: Task<unknown> | null): IteratorResult<never, T> {
    const lock = this.#lock;
    lock._state = 'locked';
    lock._holder = holder;
    this.#state = FINISHED;
    return this._result(lock);
  }

  /** acquire's result: true. */
  _result(_lock: Lock): IteratorResult<never, T> {
    return ACQUIRED as IteratorResult<never, T>;
  }
}

/** What `lock.hold()` returns: acquire, then finish with the Hold that releases it. */
class AcquireHold extends Acquire<Hold> {
  // Written out: the implicit constructor passes `...args` on, which V8 makes slower.
  constructor(lock: Lock) {
    super(lock);
  }

  override _result(lock: Lock): IteratorResult<never, Hold> {
    return { done: true, value: new Hold(lock) };
  }
}
forbidDispose(AcquireHold.prototype);

/** The task running now, or null outside any loop (an uncontended acquire needs none). */
function runningTask(): Task<unknown> | null {
  try {
    return currentTask();
  } catch {
    return null;
  }
}
