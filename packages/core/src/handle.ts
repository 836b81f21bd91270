/**
 * Handles: what `callSoon`, `callLater` and `callAt` return, and what the loop's ready
 * queue and timer heap hold (asyncio `events.py`, `Handle` and `TimerHandle`).
 *
 * A handle is a callback, its arguments and the context to run it in. `cancel()` drops
 * the callback and arguments at once so they can be freed; the loop skips a cancelled
 * handle when it reaches it rather than searching for it (a cancelled timer stays in
 * the heap until it reaches the top, or until the loop rebuilds the heap because most
 * of it is cancelled: see `EventLoop.nextDeadline`).
 *
 * `_run` is the only place a callback is invoked, and it never throws: an exception
 * goes to the loop's exception handler, as in asyncio's `Handle._run`.
 */
import type { Context } from './context';
import { enterContext, leaveContext } from './context';

/**
 * The loop as handles see it; the loop passes itself. An interface rather than
 * `EventLoop`, so this module does not import the loop that imports it.
 */
interface HandleOwner {
  callExceptionHandler(context: ExceptionContext): void;
  _timerHandleCancelled(timer: Timer): void;
}

/** What an exception handler receives (asyncio's context dict). */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: unknown;
  task?: unknown;
  handle?: Handle;
  /** Where the task or future was created (debug mode only). */
  sourceTraceback?: string;
  [key: string]: unknown;
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * What the loop's ready queue holds: a Handle, or a Task (a task is its own entry, so
 * stepping it allocates nothing; see task.ts).
 */
export interface Runnable {
  _run(): void;
}

/**
 * What the loop's timer heap holds: a `TimerHandle`, or the future of a `sleep`, which is
 * its own timer (sleep.ts). Ordered by `_when`, then `_seq`.
 */
export interface Timer extends Runnable {
  /** The loop time (seconds) at which it is due. */
  readonly _when: number;
  /** Tie-breaker: timers due at the same moment run in the order they were scheduled. */
  readonly _seq: number;
  /** True while it sits in the loop's heap. */
  _scheduled: boolean;
  /** Cancelled: the loop drops it from the heap when it gets there, without running it. */
  _cancelled: boolean;
  /** The next timer of its run in the heap: same `_when`, a later `_seq` (timer-heap.ts). */
  _next?: Timer | undefined;
}

/** A callback scheduled with `callSoon` (asyncio `Handle`); `cancel()` drops it. */
export class Handle implements Runnable {
  _callback: ((...args: never[]) => unknown) | null;
  _args: readonly unknown[];
  _context: Context | null;
  readonly _loop: HandleOwner;
  _cancelled = false;

  constructor(
    callback: (...args: never[]) => unknown,
    args: readonly unknown[] | null,
    loop: HandleOwner,
    context: Context | null,
  ) {
    this._callback = callback;
    this._args = args ?? NO_ARGS;
    this._loop = loop;
    this._context = context;
  }

  /** Stop the callback from running, if it has not run yet. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      this._callback = null;
      this._args = NO_ARGS;
    }
  }

  /** Whether the callback was cancelled (asyncio `Handle.cancelled`). */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** The context the callback runs in, or null for the current one (asyncio `Handle.get_context`). */
  getContext(): Context | null {
    return this._context;
  }

  /** Call the callback in its context; report, never throw, what it throws. */
  _run(): void {
    // A handle cancelled after it was queued is skipped here, not searched for.
    if (this._cancelled) return;
    const callback = this._callback as (...args: unknown[]) => unknown;
    const ctx = this._context;
    const prev = ctx === null ? null : enterContext(ctx);
    const args = this._args;
    try {
      // W6a/W6c (a socket's processing handle, no arguments, a run per message): a plain
      // call where there are none. Plain code: `callback.apply(undefined, args)`.
      if (args === NO_ARGS) callback();
      else callback.apply(undefined, args as unknown[]);
    } catch (exc) {
      this._loop.callExceptionHandler({ message: `Exception in callback ${this.describeCallback()}`, exception: exc, handle: this });
    } finally {
      if (ctx !== null) leaveContext(ctx, prev!);
    }
  }

  /** The callback's name, for messages (`name()`, or `<cancelled>`). */
  describeCallback(): string {
    const cb = this._callback;
    if (cb === null) return '<cancelled>';
    return `${cb.name.replace(/^bound /, '') || '<anonymous>'}()`;
  }

  toString(): string {
    return `<${this.constructor.name}${this._cancelled ? ' cancelled' : ''} ${this.describeCallback()}>`;
  }
}

/** A handle with a deadline: what `callLater` and `callAt` put in the loop's timer heap. asyncio `TimerHandle`. */
export class TimerHandle extends Handle implements Timer {
  readonly _when: number;
  /**
   * Tie-breaker: timers due at the same moment fire in the order they were scheduled
   * (libuv's `start_id`). A counter per loop, so the order is the same on every run.
   */
  readonly _seq: number;
  /** True while the handle sits in the loop's heap. */
  _scheduled = true;
  _next: Timer | undefined = undefined;

  constructor(
    when: number,
    seq: number,
    callback: (...args: never[]) => unknown,
    args: readonly unknown[] | null,
    loop: HandleOwner,
    context: Context | null,
  ) {
    super(callback, args, loop, context);
    this._when = when;
    this._seq = seq;
  }

  /** The loop time (seconds) at which the callback is due. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled && this._scheduled) this._loop._timerHandleCancelled(this);
    super.cancel();
  }

  override toString(): string {
    return `<TimerHandle${this._cancelled ? ' cancelled' : ''} when=${this._when} ${this.describeCallback()}>`;
  }
}
