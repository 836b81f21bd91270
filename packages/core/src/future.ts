/**
 * Future: a result that is not ready yet (asyncio `futures.py`).
 *
 * A future is in one of three states, and moves at most once, from pending to done:
 *
 *     pending --setResult/setException--> finished
 *     pending --cancel-------------------> cancelled
 *
 * Every wrong-state call throws `InvalidStateError` naming the state. When a future
 * becomes done, its done callbacks are *scheduled* with `loop.callSoon`, in the order they
 * were added; none is ever called synchronously, so code that completes a future never
 * runs someone else's callback in the middle of its own work.
 *
 * `yield* fut` is `await fut`. A future is iterable: its iterator yields the future itself
 * once (the task that runs the coroutine sees it and suspends until the future is done),
 * then returns the result or throws the exception. That is asyncio's `Future.__await__`:
 *
 *     if not self.done(): yield self
 *     return self.result()
 *
 * From `async` code a future is a thenable (`await fut` works) and has `toPromise()`.
 *
 * An exception that nobody retrieved (no `result()`, `exception()`, `yield*` or `then`) is
 * reported to the loop's exception handler once: when the future is garbage-collected
 * (Python's `__del__`), or at the latest when its loop closes, so a short program does
 * not end with an error no one saw.
 */
import { CancelledError, InvalidStateError, loopCancelledError } from './errors';
import type { Context } from './context';
import { copyContext } from './context';
import { describe, describeResult } from './repr';
import type { EventLoop } from './loop';
import { getEventLoop } from './running';
import { checkOptions } from './options';
import { addYieldChain } from './debug';

/** A future's state, as asyncio's `_state`: pending, then finished or cancelled, once. */
export type FutureState = 'pending' | 'cancelled' | 'finished';

/** A done callback receives the future it was added to. A callback of asyncio `Future.add_done_callback`. */
export type DoneCallback<F> = (fut: F) => void;

/**
 * A task waiting on a future registers itself rather than a callback: the future then
 * asks it to wake up, and the task reuses its own step handle. That saves a closure per
 * task and a Handle per wake-up on the hottest path (CPython's C Task does the same).
 */
export interface FutureWaiter {
  _wakeupSoon(fut: Future<unknown>): void;
}

/** Marks "no exception" (a coroutine may `throw undefined`, so undefined cannot). */
export const NO_EXCEPTION: unique symbol = Symbol('NO_EXCEPTION');

/** A future's exception that nobody has looked at yet (see the module note). */
export interface UnretrievedError {
  readonly message: string;
  readonly exception: unknown;
  readonly future: WeakRef<Future<unknown>>;
  readonly sourceTraceback: string | undefined;
}

/** Options of `new Future(options)` (asyncio `Future(*, loop=None)`). */
export interface FutureOptions {
  loop?: EventLoop;
  /** What the future stands for, shown by `toString()` and in a `DeadlockError`. */
  description?: string;
  /**
   * The object this future is a waiter of (a lock, a queue, a stream): a `DeadlockError`
   * names it, and the task that holds it if it has `holder()` (see deadlock.ts `WaitTarget`).
   */
  waiterOf?: object;
}

const FUTURE_OPTIONS = ['loop', 'description', 'waiterOf'];
/**
 * Passed by `loop.createFuture`, which checked its caller's options and builds the
 * Future's itself: checking them again cost more than the rest of making a future (W3,
 * every wait of a lock or a queue makes one).
 */
export const CHECKED_OPTIONS: unique symbol = Symbol('yieldio.checkedOptions');
/**
 * Passed, with the loop, by the subclasses that never have a description nor waiterOf of
 * their own (Task, sleep's future): see the Future constructor and `description`.
 */
export const LOOP_ONLY: unique symbol = Symbol('yieldio.loopOnly');
/**
 * `Future` itself, set below the class. Not named inside the class body: esbuild renames
 * a class that refers to itself (`class _Future`), and the name shows in `toString()`.
 */
let plainFuture: unknown = null;

/** A result that is not ready yet (asyncio `Future`). `yield* fut` is `await fut`; it is also a thenable for `async` code. */
export class Future<T = unknown> implements Iterable<Future<T>, T, unknown>, PromiseLike<T> {
  _state: FutureState = 'pending';
  /**
   * The result, when finished without an exception. The slot is free in every other
   * state, so it also holds the two rare values a future needs only there (W4 in bench/:
   * two fields fewer in every task, 16 bytes; plain code: a `_cancelMessage` field and
   * an `_unretrieved` field beside this one):
   *
   *     pending, cancelled           the cancel message (see `cancelMessageOf`)
   *     pending (a sleep's future)   the sleep's result, until it is due (sleep.ts)
   *     finished with an exception   its UnretrievedError record, or null once retrieved
   *                                  (see `_markRetrieved`)
   */
  _result: T | undefined = undefined;
  /**
   * The exception, when finished with one. When cancelled: the CancelledError that a
   * task's coroutine raised, if any, handed out once by `result()` (asyncio's
   * `_cancelled_exc`); the slot is otherwise unused in that state.
   */
  _exception: unknown = NO_EXCEPTION;
  readonly _loop: EventLoop;
  /**
   * What to do when done, in order. Most futures have one waiter, a task, and then this
   * is that waiter itself; otherwise a list of entries: a callback function followed by
   * its context (two slots), or a waiting task (one slot: it needs no context). The
   * single-waiter form saves an array per awaited future (W2 and W5 in bench/).
   */
  _callbacks: FutureWaiter | Array<DoneCallback<never> | FutureWaiter | Context | null> | null = null;
  /**
   * Futures that wait on this one without a task between (a gather, a shield, a task
   * group's parent), for the call graph: see `futureAddToAwaitedBy`.
   */
  _awaitedBy: Future<unknown> | Future<unknown>[] | null = null;
  /**
   * What the future stands for (`FutureOptions.description`). This and `_waiterOf` are
   * own fields of every future but a task or a sleep's, which never have their own: left
   * out of their shape they save 16 bytes a task (W4 in bench/) or a sleep (W5), and
   * reading one gives undefined (a sleep's description comes from its prototype). Plain
   * code: both as class fields, assigned for every future.
   */
  declare description: string | undefined;
  /**
   * `FutureOptions.waiterOf`, for the DeadlockError. A field, not a WeakMap beside the
   * futures: a queue makes a waiter every time it blocks, and a WeakMap entry each time
   * cost W3 about a tenth of its time (ephemerons weigh on every GC).
   */
  declare _waiterOf: object | undefined;
  /**
   * The iterator `yield*` uses; stateless, so one per future serves every awaiter (W4:
   * 100,000 tasks awaiting one future share one). Like `description`, a field of every
   * future but a task or a sleep's: those are rarely awaited more than once, so `yield*`
   * on one makes an iterator each time, and a waiting task is 8 bytes smaller (W4).
   * Plain code: a class field, null until the first `yield*`, in every future.
   */
  declare _iterator: FutureIterator<T> | null | undefined;

  constructor(options?: FutureOptions, checked?: typeof CHECKED_OPTIONS | typeof LOOP_ONLY, loop?: EventLoop) {
    if (checked === LOOP_ONLY) {
      // A Task or a sleep passes its loop alone: no options object per task (W2) or sleep
      // (W5), and no description, waiterOf nor iterator field (see `description`).
      this._loop = loop!;
      return;
    }
    if (checked === CHECKED_OPTIONS && loop !== undefined) {
      // createFuture passes its caller's options and its loop beside them, rather than a
      // copy of the options with the loop added: one object fewer per wait of a lock or a
      // queue (W3, W7). Plain code: `new Future({ loop, description, waiterOf })`.
      this._loop = loop;
      this.description = options?.description;
      this._waiterOf = options?.waiterOf;
      this._iterator = null;
      return;
    }
    // Subclasses (GatheringFuture, sleep's) pass their own, known options, and
    // createFuture passes checked ones: only a Future made by hand is checked, so spawning
    // a task or waiting on a lock pays no check (W2, W3 in bench/).
    if (new.target === plainFuture && checked !== CHECKED_OPTIONS) checkOptions('Future()', options, FUTURE_OPTIONS);
    this._loop = options?.loop ?? getEventLoop('Future');
    this.description = options?.description;
    this._waiterOf = options?.waiterOf;
    this._iterator = null;
  }

  /** The loop the future belongs to (asyncio `Future.get_loop`). */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** Whether the future is finished or cancelled (asyncio `Future.done`). */
  done(): boolean {
    return this._state !== 'pending';
  }

  /** Whether the future was cancelled (asyncio `Future.cancelled`). */
  cancelled(): boolean {
    return this._state === 'cancelled';
  }

  /**
   * The result. Throws the exception if one was set, `CancelledError` if the future was
   * cancelled, and `InvalidStateError` if it is still pending.
   */
  result(): T {
    if (this._state === 'cancelled') throw this._makeCancelledError();
    if (this._state === 'pending') {
      throw new InvalidStateError(`result(): ${this} is pending; its result is not ready yet (wait for it: yield* fut)`);
    }
    this._markRetrieved();
    if (this._exception !== NO_EXCEPTION) throw this._exception;
    return this._result as T;
  }

  /** The exception set on the future, or null if it finished with a result. */
  exception(): unknown {
    if (this._state === 'cancelled') throw this._makeCancelledError();
    if (this._state === 'pending') {
      throw new InvalidStateError(`exception(): ${this} is pending; its exception is not set yet (wait for it: yield* fut)`);
    }
    this._markRetrieved();
    return this._exception === NO_EXCEPTION ? null : this._exception;
  }

  /** Complete the future with `result`, and schedule its done callbacks (asyncio `Future.set_result`); InvalidStateError if it is done. */
  setResult(result: T): void {
    if (this._state !== 'pending') {
      throw new InvalidStateError(`setResult(): ${this} is already ${this._state}; a future is completed once`);
    }
    this._result = result;
    this._state = 'finished';
    this._scheduleCallbacks();
  }

  /** Complete the future with an error, and schedule its done callbacks (asyncio `Future.set_exception`); InvalidStateError if it is done. */
  setException(exception: unknown): void {
    if (this._state !== 'pending') {
      throw new InvalidStateError(`setException(): ${this} is already ${this._state}; a future is completed once`);
    }
    if (exception === undefined || exception === null) {
      throw new TypeError(`setException(): expected an exception (an Error), got ${describe(exception)}`);
    }
    if (exception instanceof CancelledError) {
      // asyncio turns this into cancel() in tasks; on a plain future it is a mistake.
      throw new TypeError('setException(): a CancelledError cannot be set as an exception; call cancel() instead');
    }
    this._setExceptionUnchecked(exception);
  }

  /** setException without the argument checks: for tasks, whose coroutines may throw anything. */
  _setExceptionUnchecked(exception: unknown): void {
    this._exception = exception;
    this._state = 'finished';
    // The record while the exception is unretrieved, in `_result` (see there). A
    // CancelledError set by gather is a cancellation, not an error to report.
    (this as Future<unknown>)._result = exception instanceof CancelledError ? null : this._loop._trackUnretrieved(this, exception);
    this._scheduleCallbacks();
  }

  /**
   * Cancel the future: if it is pending, it becomes cancelled, its callbacks are
   * scheduled, and this returns true; if it is done already, this returns false.
   */
  cancel(msg?: string): boolean {
    this._markRetrieved();
    if (this._state !== 'pending') return false;
    this._state = 'cancelled';
    (this as Future<unknown>)._result = msg; // the cancel message (see `_result`)
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Call `fn(fut)` once the future is done, through `loop.callSoon` (so never synchronously,
   * even when the future is already done), in `context` or the current one.
   */
  addDoneCallback(fn: DoneCallback<this>, options?: { context?: Context }): void {
    if (typeof fn !== 'function') {
      throw new TypeError(`addDoneCallback(): expected a function to call with the future, got ${describe(fn)}`);
    }
    checkOptions('addDoneCallback()', options, ['context']);
    // asyncio's call_soon raises here too. (Completing such a future does not: asyncio's
    // does, but here sockets and threads may finish after their loop closed, and an
    // error thrown from their Node callbacks would crash the process.)
    if (this._state !== 'pending' && this._loop._state === 'closed') {
      throw new InvalidStateError(`addDoneCallback(): the event loop of ${this} is closed; a callback added now could never run`);
    }
    // As asyncio: without a context, the callback runs in a copy of the current one.
    this._addDoneCallback(fn as DoneCallback<never>, options?.context ?? copyContext());
  }

  /** addDoneCallback without checks; a null context runs the callback in whatever is current. */
  _addDoneCallback(fn: DoneCallback<never>, context: Context | null): void {
    if (this._state !== 'pending') {
      this._loop._callSoonWithContext(fn, [this], context);
      return;
    }
    // Exact-size literals: `[]` then push would reserve 17 slots for the first entry.
    const callbacks = this._callbacks;
    if (callbacks === null) this._callbacks = [fn, context];
    else if (Array.isArray(callbacks)) callbacks.push(fn, context);
    else this._callbacks = [callbacks, fn, context];
  }

  /** Wake `waiter` when done (see FutureWaiter): how a task waits on a future. */
  _addWaiter(waiter: FutureWaiter): void {
    if (this._state !== 'pending') {
      waiter._wakeupSoon(this);
      return;
    }
    const callbacks = this._callbacks;
    if (callbacks === null) this._callbacks = waiter;
    else if (Array.isArray(callbacks)) callbacks.push(waiter);
    else this._callbacks = [callbacks, waiter];
  }

  /** Stop waking `waiter` (a task killed while it waits here: see `Task._kill`). */
  _removeWaiter(waiter: FutureWaiter): void {
    const callbacks = this._callbacks;
    if (callbacks === waiter) {
      this._callbacks = null;
    } else if (Array.isArray(callbacks)) {
      const i = callbacks.indexOf(waiter);
      if (i >= 0) callbacks.splice(i, 1);
    }
  }

  /** Remove every registration of `fn`; returns how many were removed. */
  removeDoneCallback(fn: DoneCallback<this>): number {
    const callbacks = this._callbacks;
    if (!Array.isArray(callbacks)) return 0; // none, or one waiting task
    let kept = 0;
    let removed = 0;
    for (let i = 0; i < callbacks.length; i++) {
      const entry = callbacks[i];
      if (typeof entry !== 'function') {
        callbacks[kept++] = entry; // a waiting task
      } else if (entry === fn) {
        removed++;
        i++; // and its context
      } else {
        callbacks[kept++] = entry;
        callbacks[kept++] = callbacks[++i];
      }
    }
    callbacks.length = kept;
    return removed;
  }

  /** `yield* fut`: yields the future while it is pending, then returns its result or throws its exception (asyncio `Future.__await__`). */
  [Symbol.iterator](): Iterator<Future<T>, T, unknown> {
    const iterator = this._iterator;
    if (iterator === undefined) return new FutureIterator(this); // a task or a sleep's (see `_iterator`)
    return iterator ?? (this._iterator = new FutureIterator(this));
  }

  /** A Promise that settles with this future (for `async` code). */
  toPromise(): Promise<T> {
    if (this._state !== 'pending') {
      try {
        return Promise.resolve(this.result());
      } catch (exc) {
        return Promise.reject(exc);
      }
    }
    this._markRetrieved();
    return new Promise<T>((resolve, reject) => {
      this.addDoneCallback((fut) => {
        try {
          resolve(fut.result());
        } catch (exc) {
          reject(exc);
        }
      });
    });
  }

  /** Futures are thenables: `await fut` works in `async` functions. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.toPromise().then(onFulfilled, onRejected);
  }

  toString(): string {
    const what = this.description === undefined ? '' : ` ${this.description}`;
    if (this._state === 'finished' && this._exception !== NO_EXCEPTION) {
      return `<${this.constructor.name} finished${what} exception=${describeException(this._exception)}>`;
    }
    if (this._state === 'finished') return `<${this.constructor.name} finished${what} result=${describeResult(this._result)}>`;
    return `<${this.constructor.name} ${this._state}${what}>`;
  }

  /** The exception was seen (result(), exception(), yield*, then): no report of it. */
  _markRetrieved(): void {
    // The record lives in `_result` when finished with an exception (see there).
    if (this._state !== 'finished' || this._exception === NO_EXCEPTION) return;
    const record = this._result as UnretrievedError | null;
    if (record !== null) {
      (this as Future<unknown>)._result = null;
      this._loop._untrackUnretrieved(record);
    }
  }

  /**
   * The CancelledError that `result()` raises (asyncio `_make_cancelled_error`). The
   * loop's own callers pass `frames: false` (a task's wake-up, gather): see
   * `loopCancelledError`.
   */
  _makeCancelledError(frames = true): CancelledError {
    const exc = this._exception;
    if (exc instanceof CancelledError) {
      this._exception = NO_EXCEPTION;
      return exc;
    }
    return loopCancelledError(cancelMessageOf(this) ?? '', frames || this._loop._debug);
  }

  /** Hand each done callback to the loop, in registration order (asyncio `__schedule_callbacks`). */
  _scheduleCallbacks(): void {
    const callbacks = this._callbacks;
    if (callbacks === null) return;
    this._callbacks = null;
    if (!Array.isArray(callbacks)) {
      callbacks._wakeupSoon(this);
      return;
    }
    const loop = this._loop;
    for (let i = 0; i < callbacks.length; i++) {
      const callback = callbacks[i];
      if (typeof callback === 'function') {
        loop._callSoonWithContext(callback as DoneCallback<never>, [this], callbacks[++i] as Context | null);
      } else {
        (callback as FutureWaiter)._wakeupSoon(this);
      }
    }
  }
}
plainFuture = Future;

/**
 * What `yield* fut` iterates: while the future is pending, `next()` yields it (the task
 * then waits); once it is done, `next()` returns its result or throws. The task only
 * resumes a coroutine when the future is done, so the iterator needs almost no state of
 * its own, and one per future serves every task awaiting it.
 *
 * The one state: an iterator that had an exception thrown into it is finished, as
 * CPython's future iterator is (test_futureiter_send_after_throw_no_crash): a later
 * `next()` on the still pending future returns done instead of yielding it again. The
 * future forgets that iterator, so a later `yield* fut` gets a fresh one; a task that
 * shares the old one resumes only once the future is done, and then gets its result.
 */
class FutureIterator<T> implements Iterator<Future<T>, T, unknown> {
  readonly #fut: Future<T>;
  #finished = false;

  constructor(fut: Future<T>) {
    this.#fut = fut;
  }

  next(): IteratorResult<Future<T>, T> {
    const fut = this.#fut;
    // No "resumed too early" check (asyncio's "await wasn't used with future"): that needs
    // state per await, and a driver that resumes early just sees the future again.
    if (fut._state === 'pending') return this.#finished ? { done: true, value: undefined as T } : { done: false, value: fut };
    return { done: true, value: fut.result() };
  }

  // A task throws the awaited future's exception into the coroutine; yield* forwards
  // it here, and it must surface at the `yield*`, unchanged.
  throw(exc: unknown): IteratorResult<Future<T>, T> {
    if (this.#fut._loop._debug) addYieldChain(exc);
    this.#finished = true;
    if (this.#fut._iterator === this) this.#fut._iterator = null;
    throw exc;
  }

  return(value?: T): IteratorResult<Future<T>, T> {
    return { done: true, value: value as T };
  }
}


function describeException(exc: unknown): string {
  if (exc instanceof Error) return `${exc.name}(${JSON.stringify(exc.message)})`;
  return describe(exc);
}

/**
 * The message given to `cancel(msg)` of a cancelled future, or of a pending task asked
 * to cancel; it is kept in `_result` (W4, see there). Plain code: `fut._cancelMessage`.
 */
export function cancelMessageOf(fut: Future<unknown>): string | undefined {
  return fut._result as string | undefined;
}

/** `fut.setResult(value)` unless the future was cancelled meanwhile (a timer's callback). */
export function setResultUnlessCancelled<T>(fut: Future<T>, value: T): void {
  if (fut._state === 'pending') fut.setResult(value);
}

/**
 * Record that `waiter` waits on `fut` (asyncio 3.14 `future_add_to_awaited_by`), for
 * `captureCallGraph`. Whoever adds an edge discards it when the wait is over, so a
 * long-lived future awaited by many gathers in turn does not collect them all.
 */
export function futureAddToAwaitedBy(fut: Future<unknown>, waiter: Future<unknown>): void {
  const current = fut._awaitedBy;
  if (current === null) fut._awaitedBy = waiter;
  else if (Array.isArray(current)) current.push(waiter);
  else fut._awaitedBy = [current, waiter];
}

/** Remove one `waiter` edge added by `futureAddToAwaitedBy` (asyncio 3.14 `future_discard_from_awaited_by`). */
export function futureDiscardFromAwaitedBy(fut: Future<unknown>, waiter: Future<unknown>): void {
  const current = fut._awaitedBy;
  if (current === waiter) {
    fut._awaitedBy = null;
  } else if (Array.isArray(current)) {
    const i = current.lastIndexOf(waiter);
    if (i >= 0) current.splice(i, 1);
    if (current.length === 1) fut._awaitedBy = current[0]!;
  }
}

/** Whether `value` is a yieldio future (or task) (asyncio `isfuture`). */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}
