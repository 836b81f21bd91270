/**
 * The errors core raises, and the base ones the other packages build on.
 *
 * asyncio's exceptions live in `Lib/asyncio/exceptions.py`; ours keep their names.
 * Each class sets `name` to its class name on the prototype, so `String(err)` and stack
 * traces say `CancelledError: ...` rather than `Error: ...`.
 *
 * Where we differ: Python's `CancelledError` derives from `BaseException` so that a bare
 * `except Exception` does not swallow it. JavaScript has no such split (a `catch` catches
 * everything), so code that catches broadly must rethrow `CancelledError` itself.
 * `TimeoutError` is our own class, not the DOM's `DOMException` flavour.
 */

function named<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/**
 * A task or future was cancelled. `message` carries the `cancel(msg)` argument.
 * asyncio `CancelledError`; an ordinary `Error` here, as JavaScript has no `BaseException`.
 */
export class CancelledError extends Error {}
named(CancelledError, 'CancelledError');

/**
 * A `CancelledError` the loop itself raises (a task woken by a cancelled future, gather's
 * outcome), made without stack frames unless `frames` is true (debug mode). Its frames
 * would be the loop's own: a waiting coroutine's frames are not on the stack while the
 * loop decides to cancel it, so they say nothing Python's traceback would. Capturing
 * them costs 3 to 9 us, more than the rest of a cancellation (S2 in bench/: a
 * simulation's teardown cancels every task left). A `result()` the user calls on a
 * cancelled future still captures them: there the user's line is on the stack.
 * `Error.stackTraceLimit` is V8's (Node, Chromium); elsewhere the error has its frames.
 */
export function loopCancelledError(message: string, frames: boolean): CancelledError {
  const v8Error = Error as { stackTraceLimit?: number };
  const limit = v8Error.stackTraceLimit;
  if (frames || limit === undefined) return new CancelledError(message);
  v8Error.stackTraceLimit = 0;
  try {
    return new CancelledError(message);
  } finally {
    v8Error.stackTraceLimit = limit;
  }
}

/**
 * True if `exc` is a cancellation: what a broad `catch` must let through, because
 * JavaScript's `catch (e)` also catches the `CancelledError` that Python's
 * `except Exception` would not.
 */
export function isCancellation(exc: unknown): exc is CancelledError {
  return exc instanceof CancelledError;
}

/**
 * Throw `exc` again if it is a cancellation; otherwise return. The first line of a
 * catch-all: `try { ... } catch (e) { rethrowIfCancelled(e); log(e); }`. Python needs
 * none: `except Exception` does not catch `asyncio.CancelledError`.
 */
export function rethrowIfCancelled(exc: unknown): void {
  if (exc instanceof CancelledError) throw exc;
}


/**
 * A `timeout`, `waitFor` or `asCompleted` deadline passed. `cause` is the `CancelledError` it replaced.
 * asyncio `TimeoutError` (Python's builtin since 3.11).
 */
export class TimeoutError extends Error {}
named(TimeoutError, 'TimeoutError');

/** A call that the object's current state does not allow; the message names the state. asyncio `InvalidStateError`. */
export class InvalidStateError extends Error {}
named(InvalidStateError, 'InvalidStateError');

/**
 * Something a simulation cannot make deterministic (a real socket, a thread, a
 * subprocess, `fetch`) was called inside `simulate()`; or `checkDeterminism` saw two runs
 * of one seed differ. An `InvalidStateError`, as these calls were before it existed.
 * No asyncio counterpart.
 */
export class NondeterminismError extends InvalidStateError {}
named(NondeterminismError, 'NondeterminismError');

/** `Context`/`ContextVar` lookup of a variable that has no value and no default. */
/** `Context`/`ContextVar` lookup of a variable that has no value and no default. Python's `LookupError`. */
export class LookupError extends Error {}
named(LookupError, 'LookupError');

/**
 * Ctrl-C arrived while `run()` waited: the main task was cancelled and did not swallow it
 * (asyncio's `Runner` raises Python's `KeyboardInterrupt` here).
 */
export class KeyboardInterrupt extends Error {}
named(KeyboardInterrupt, 'KeyboardInterrupt');

/** `sendfile` cannot be done natively for this transport (raised by `@yieldio/net`). asyncio `SendfileNotAvailableError`. */
export class SendfileNotAvailableError extends Error {}
named(SendfileNotAvailableError, 'SendfileNotAvailableError');

/**
 * Several errors at once, as Python's `ExceptionGroup` (PEP 654): what a `taskGroup`
 * raises when children fail. It is an `AggregateError`, so `errors` works too;
 * `exceptions` is the asyncio spelling.
 */
export class ExceptionGroup extends AggregateError {
  constructor(message: string, exceptions: readonly unknown[]) {
    if (!Array.isArray(exceptions) || exceptions.length === 0) {
      throw new TypeError(
        `ExceptionGroup(): expected a non-empty array of exceptions, got ${
          Array.isArray(exceptions) ? 'an empty array' : typeof exceptions
        }`,
      );
    }
    super(exceptions, message);
  }

  /** The errors in the group, in the order they happened. */
  get exceptions(): readonly unknown[] {
    return this.errors;
  }

  /**
   * The part of the group that matches, or null (Python's `subgroup`). Nested groups are
   * searched and kept nested; `match` is an error class or a predicate.
   */
  subgroup(match: ErrorMatcher): ExceptionGroup | null {
    return this.split(match)[0];
  }

  /** `[matching, rest]`, each a group or null: how `except*` takes a group apart. */
  split(match: ErrorMatcher): [ExceptionGroup | null, ExceptionGroup | null] {
    const test = toPredicate(match);
    if (test(this)) return [this, null];
    const matched: unknown[] = [];
    const rest: unknown[] = [];
    for (const exc of this.errors) {
      if (exc instanceof ExceptionGroup) {
        const [m, r] = exc.split(test);
        if (m) matched.push(m);
        if (r) rest.push(r);
      } else if (test(exc)) {
        matched.push(exc);
      } else {
        rest.push(exc);
      }
    }
    return [
      matched.length > 0 ? new ExceptionGroup(this.message, matched) : null,
      rest.length > 0 ? new ExceptionGroup(this.message, rest) : null,
    ];
  }
}
named(ExceptionGroup, 'ExceptionGroup');

/** What `ExceptionGroup.split` and `subgroup` accept. As Python's `ExceptionGroup.split(condition)`: a class or a predicate. */
export type ErrorMatcher = (abstract new (...args: never[]) => unknown) | ((exc: unknown) => boolean);

function toPredicate(match: ErrorMatcher): (exc: unknown) => boolean {
  if (typeof match !== 'function') {
    throw new TypeError(`ExceptionGroup.split(): expected an error class or a predicate, got ${typeof match}`);
  }
  // A class has a prototype object; an arrow function does not.
  if (match.prototype !== undefined && match.prototype !== null && Object.getOwnPropertyNames(match.prototype).length > 0) {
    const cls = match as abstract new (...args: never[]) => unknown;
    return (exc) => exc instanceof cls;
  }
  return match as (exc: unknown) => boolean;
}
