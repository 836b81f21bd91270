/**
 * timeout(delay, body) and timeoutAt(when, body): a deadline over a block of code
 * (asyncio 3.11+ `timeouts.py`; `async with timeout(d) as cm:` becomes a body function).
 *
 * On entry the scope arms a timer. If it fires, it cancels the current task, and the
 * `CancelledError` unwinds the body; on the way out, the scope sees that the cancellation
 * was its own and turns it into `TimeoutError` (with the `CancelledError` as `cause`).
 *
 * Nesting is right because of `Task.cancelling()`: the scope remembers the count on entry
 * and calls `uncancel()` on exit. Only if no other cancel request is left over does it
 * claim the error; a cancellation from outside (the task cancelled by its caller, or an
 * outer scope expiring at the same moment) still propagates as `CancelledError`. So a
 * timeout never swallows an outer cancellation.
 *
 *     created --enter--> entered --timer fires--> expiring --exit--> expired
 *                          |                                   
 *                          +--------------exit--------------> exited
 *
 * Not ported: Python's rewriting of `__context__` chains (`_insert_timeout_error`);
 * JavaScript errors have no implicit context.
 */
import type { Coro } from './coro';
import { CancelledError, InvalidStateError, TimeoutError } from './errors';
import type { Handle } from './handle';
import { describe, isGeneratorFunction } from './repr';
import { getRunningLoop } from './running';
import type { Task } from './task';
import { trackCoro, warnSwallowedCancellation } from './debug';

/** A timeout's state, as asyncio's `_State` in `timeouts.py`. */
export type TimeoutState = 'created' | 'entered' | 'expiring' | 'expired' | 'exited';

/** The deadline of a `timeout()` body, which it can read and move (asyncio `Timeout`, 3.11). */
export class Timeout {
  _state: TimeoutState = 'created';
  _when: number | null;
  _handle: Handle | null = null;
  _task: Task<unknown> | null = null;
  /** The task's cancelling() count on entry: what is not ours. */
  _cancelling = 0;

  constructor(when: number | null) {
    this._when = when;
  }

  /** The deadline (loop time, seconds), or null for none. */
  when(): number | null {
    return this._when;
  }

  /** Move the deadline; null removes it. Only while the scope is active. */
  reschedule(when: number | null): void {
    if (this._state !== 'entered') {
      if (this._state === 'created') throw new InvalidStateError('reschedule(): the timeout has not been entered yet');
      throw new InvalidStateError(`reschedule(): cannot change a timeout that is ${this._state}`);
    }
    checkWhen('reschedule', when);
    this._when = when;
    this._handle?.cancel();
    if (when === null) {
      this._handle = null;
      return;
    }
    const loop = getRunningLoop('reschedule');
    const onTimeout = (): void => this._onTimeout();
    this._handle = when <= loop.time() ? loop._callSoonWithContext(onTimeout, null, null) : loop._callAt(when, onTimeout, null, null);
  }

  /** True once the deadline has passed and the scope cancelled its task. */
  expired(): boolean {
    return this._state === 'expiring' || this._state === 'expired';
  }

  _enter(): void {
    if (this._state !== 'created') throw new InvalidStateError('timeout(): this timeout has already been entered');
    const loop = getRunningLoop('timeout');
    const task = loop._currentTask;
    if (task === null) throw new InvalidStateError('timeout(): must be used inside a task');
    this._state = 'entered';
    this._task = task;
    this._cancelling = task.cancelling();
    this.reschedule(this._when);
  }

  /**
   * Leave the scope. `exc` is what the body threw (when `threw`). Returns normally when
   * the body's outcome stands; throws the TimeoutError that replaces a CancelledError.
   */
  _exit(threw: boolean, exc: unknown): void {
    this._handle?.cancel();
    this._handle = null;
    if (this._state === 'expiring') {
      this._state = 'expired';
      if (!(threw && exc instanceof CancelledError)) {
        warnSwallowedCancellation(this._task!._loop, this._task!, 'timeout()', 'its deadline sent');
      }
      // uncancel() first, always: the request was ours. Then, if no one else asked too,
      // the CancelledError is ours to turn into a TimeoutError.
      if (this._task!.uncancel() <= this._cancelling && threw && exc instanceof CancelledError) {
        throw new TimeoutError('timeout expired', { cause: exc });
      }
    } else if (this._state === 'entered') {
      this._state = 'exited';
    }
  }

  _onTimeout(): void {
    this._task!.cancel();
    this._state = 'expiring';
    this._handle = null;
  }

  /** `<Timeout [state] when=...>`, as asyncio's `repr`. */
  toString(): string {
    return `<Timeout ${this._state} when=${this._when}>`;
  }
}

/**
 * Run `body(cm)` with a deadline `delay` seconds from now (null: none); return its result.
 * asyncio `async with timeout(delay):`.
 */
export function timeout<T>(delay: number | null, body: (cm: Timeout) => Coro<T>): Coro<T> {
  return trackCoro(timeoutCoro(delay, body), 'timeout');
}

function* timeoutCoro<T>(delay: number | null, body: (cm: Timeout) => Coro<T>): Coro<T> {
  if (delay !== null && delay !== undefined) {
    if (typeof delay !== 'number') throw new TypeError(`timeout(): delay must be a number of seconds or null, got ${describe(delay)}`);
    if (Number.isNaN(delay)) throw new RangeError('timeout(): delay must be a number of seconds or null, got NaN');
  }
  const loop = getRunningLoop('timeout');
  return yield* timeoutAtCoro(delay === null || delay === undefined ? null : loop.time() + delay, body);
}

/** Run `body(cm)` with a deadline at loop time `when` (null: none); return its result. asyncio `async with timeout_at(when):`. */
export function timeoutAt<T>(when: number | null, body: (cm: Timeout) => Coro<T>): Coro<T> {
  return trackCoro(timeoutAtCoro(when, body), 'timeoutAt');
}

function* timeoutAtCoro<T>(when: number | null, body: (cm: Timeout) => Coro<T>): Coro<T> {
  checkWhen('timeoutAt', when ?? null);
  checkBody('timeout', body);
  const cm = new Timeout(when ?? null);
  cm._enter();
  let result: T;
  try {
    result = yield* body(cm);
  } catch (exc) {
    cm._exit(true, exc);
    throw exc;
  }
  cm._exit(false, undefined);
  return result;
}

function checkWhen(caller: string, when: unknown): asserts when is number | null {
  if (when === null) return;
  if (typeof when !== 'number') throw new TypeError(`${caller}(): the deadline must be a loop time in seconds or null, got ${describe(when)}`);
  if (Number.isNaN(when)) throw new RangeError(`${caller}(): the deadline must be a loop time in seconds or null, got NaN`);
}

export function checkBody(caller: string, body: unknown): void {
  if (typeof body !== 'function') {
    throw new TypeError(`${caller}(): expected the body as a generator function, got ${describe(body)}; for example ${caller}(..., function* (cm) { ... })`);
  }
  if (!isGeneratorFunction(body)) {
    throw new TypeError(`${caller}(): the body must be a generator function (function*), got ${describe(body)}`);
  }
}
