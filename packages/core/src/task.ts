/**
 * Task: a future that runs a coroutine (asyncio `tasks.py`, `Task`).
 *
 * The whole of "await on generators" is the step. A task resumes its generator; the
 * generator runs until it yields; the task looks at what was yielded:
 *
 *     a future   -> wait: add `wakeup` as the future's done callback. When the future is
 *                   done, `wakeup` steps again, sending the result in or throwing the
 *                   exception in, at the `yield*` where the coroutine stopped.
 *     nothing    -> a bare `yield`: step again on the next pass (`sleep(0)`).
 *     other      -> a mistake: throw a TypeError into the coroutine, at that yield,
 *                   saying what was yielded and what to do instead.
 *
 * and when the generator returns or throws, the task's own future is done. That is the
 * six-line `Task.step` of the "500 Lines" crawler, grown the features asyncio added:
 * cancellation (`cancel`, MUST_CANCEL), bad yields, the current task, eager start.
 * Read `_step` beside CPython's `Task.__step` and `__step_run_and_handle_result`.
 *
 * Cancellation is a request (3.11+): `cancel()` cancels the future the task waits on, so
 * `CancelledError` is thrown in at the yield point, and the coroutine may catch it.
 * `cancelling()` counts requests not yet withdrawn with `uncancel()`; `timeout` and
 * `taskGroup` use the count to tell their own cancellation from one that came from outside.
 *
 * Where we differ: bad yields throw `TypeError` (asyncio: `RuntimeError`), because the
 * mistake is a wrong value; and the loop holds pending tasks strongly.
 */
import type { Context, Vars } from './context';
import { currentVars, enterTaskContext, leaveTaskContext, promote } from './context';
import type { Coro } from './coro';
import { CancelledError, InvalidStateError } from './errors';
import { Future, NO_EXCEPTION, LOOP_ONLY, cancelMessageOf } from './future';
import type { EventLoop } from './loop';
import type { Runnable } from './handle';
import { describe, describeResult, isGenerator, isGeneratorFunction, isThenable } from './repr';
import { getRunningLoop, getRunningLoopOrNull } from './running';
import { sourceTracebacks } from './debug';
import { checkOptions } from './options';

/** Future's own addDoneCallback: a future whose class overrides it is awaited through the override. */
const futureAddDoneCallback = Future.prototype.addDoneCallback;

/** Options of `createTask()` (asyncio `create_task(coro, *, name=None, context=None, eager_start=None)`). */
export interface TaskOptions {
  name?: string;
  /** The context the coroutine runs in; default: a copy of the current one. */
  context?: Context;
  /** Run the coroutine now, up to its first suspension (asyncio 3.12 `eager_start`). */
  eagerStart?: boolean;
}

/** The keys of TaskOptions, for checking them at the boundary. */
export const TASK_OPTIONS: readonly string[] = ['name', 'context', 'eagerStart'];

// The bits of `Task._cancelState` (W4 in bench/: one small integer where there were three
// fields, 16 bytes a task). Plain code: `_mustCancel = false`, `_killed = false` and
// `_numCancelsRequested = 0`, three fields, read and written directly.
/** A cancel() arrived while no future could carry it: throw CancelledError at the next step. */
const MUST_CANCEL = 1;
/** Stopped by `_kill` (a simulated crash): never stepped again. */
const KILLED = 2;
/** One cancel() not yet withdrawn by uncancel() (3.11+): the count is `_cancelState >> 2`. */
const ONE_CANCEL = 4;

/** A future that runs a coroutine (asyncio `Task`). */
export class Task<T = unknown> extends Future<T> implements Runnable {
  readonly _coro: Coro<T>;
  /** The task's Context, or until one is needed the variables it was created with (context.ts, W2/W4). */
  _context: Context | Vars;
  /** The name, or the task's number until a name is needed (formatting it costs a string per task). */
  _name: string | number;
  /** The future this task waits on, or null while it is ready or running. */
  _futWaiter: Future<unknown> | null = null;
  /** MUST_CANCEL and KILLED, plus ONE_CANCEL per cancel() not withdrawn (see MUST_CANCEL). */
  _cancelState = 0;
  /** Neighbours in the loop's list of pending tasks (see EventLoop._firstTask). */
  _prevTask: Task<unknown> | null = null;
  _nextTask: Task<unknown> | null = null;

  /**
   * `loop`: `options.loop`, else the running loop. `loop.createTask` passes itself as
   * `ownerLoop` rather than copy the caller's options to add it: one object fewer for
   * every task spawned (W2 in bench/).
   */
  constructor(coro: Coro<T>, options: TaskOptions & { loop?: EventLoop } = {}, ownerLoop?: EventLoop) {
    // `loop.createTask`, which passes `ownerLoop`, has checked all this already (W2: the
    // checks once a task, not twice; plain code: the three checks, unconditionally).
    if (ownerLoop === undefined) {
      if (!isGenerator(coro)) {
        throw new TypeError(`Task(): expected a coroutine (a generator object), got ${describeCoroArgument(coro)}`);
      }
      checkOptions('Task()', options, ['loop', ...TASK_OPTIONS]);
    }
    const loop = ownerLoop ?? options.loop ?? getRunningLoop('Task');
    super(undefined, LOOP_ONLY, loop);
    if (ownerLoop === undefined) loop._checkClosed('createTask');
    this._coro = coro;
    this._context = options.context ?? currentVars();
    this._name = options.name === undefined ? loop._nextTaskNumber() : String(options.name);
    if (loop._debug) sourceTracebacks.set(this, new Error('task created here').stack ?? '');

    if (options.eagerStart && loop.isRunning()) {
      this._eagerStart();
    } else {
      loop._schedule(this);
      loop._registerTask(this as Task<unknown>);
    }
  }

  /** The coroutine the task runs (asyncio `Task.get_coro`). */
  getCoro(): Coro<T> {
    return this._coro;
  }

  /** The context the task runs in (asyncio `Task.get_context`). */
  getContext(): Context {
    return promote(this);
  }

  /** The task's name (asyncio `Task.get_name`); `Task-N` unless one was given. */
  getName(): string {
    const name = this._name;
    return typeof name === 'number' ? `Task-${name}` : name;
  }

  /** Rename the task (asyncio `Task.set_name`). */
  setName(name: unknown): void {
    this._name = String(name);
  }

  /** Always throws InvalidStateError: a task's result comes from its coroutine (asyncio `Task.set_result` raises too). */
  override setResult(_result: T): never {
    throw new InvalidStateError('setResult(): a Task sets its own result when its coroutine returns; use a Future to set one by hand');
  }

  /** Always throws InvalidStateError: a task's exception comes from its coroutine (asyncio `Task.set_exception` raises too). */
  override setException(_exception: unknown): never {
    throw new InvalidStateError('setException(): a Task sets its own exception when its coroutine throws; use a Future to set one by hand');
  }

  /**
   * Ask the task to stop: `CancelledError` is thrown into the coroutine at the point
   * where it waits (or at its next step). Returns false if the task is already done.
   * The coroutine may catch the error and go on; this is a request, not a kill.
   */
  override cancel(msg?: string): boolean {
    this._markRetrieved();
    if (this._state !== 'pending') return false;
    this._cancelState += ONE_CANCEL;
    const waiter = this._futWaiter;
    // Cancelling what we wait on wakes us with CancelledError. Leave _futWaiter set: it may
    // be a task that catches the cancellation, and then we may have to cancel it again.
    if (waiter !== null && waiter.cancel(msg)) return true;
    // Otherwise our step is already scheduled: it will throw CancelledError in.
    this._cancelState |= MUST_CANCEL;
    (this as Future<unknown>)._result = msg; // the cancel message (Future `_result`, W4)
    return true;
  }

  /**
   * Stop the task where it stands, as a machine crash would (`SimHost.crash()` in
   * @yieldio/sim; asyncio has no such thing): detach it from the future it waits on, drop
   * its coroutine without resuming it, so no `finally` or `except` of it runs, and cancel
   * its own future, so whoever awaits it gets `CancelledError`. Returns false when the
   * task is done, or is the one running now (a task cannot kill itself mid-step).
   * A step already on the ready queue is skipped by `_run`.
   */
  _kill(msg?: string): boolean {
    if (this._state !== 'pending' || this._loop._currentTask === (this as Task<unknown>)) return false;
    const waiter = this._futWaiter;
    if (waiter !== null) waiter._removeWaiter(this);
    this._futWaiter = null;
    this._cancelState = (this._cancelState & ~MUST_CANCEL) | KILLED;
    this._finish();
    super.cancel(msg);
    return true;
  }

  /** How many cancel() requests are pending (not withdrawn by uncancel()). */
  cancelling(): number {
    return this._cancelState >> 2;
  }

  /** Withdraw one cancel() request; returns how many remain. */
  uncancel(): number {
    if (this._cancelState >= ONE_CANCEL) {
      this._cancelState -= ONE_CANCEL;
      if (this._cancelState < ONE_CANCEL) this._cancelState &= ~MUST_CANCEL;
    }
    return this._cancelState >> 2;
  }

  /**
   * One step of the coroutine: asyncio's `__step`. `exc` is thrown in if given;
   * otherwise `value` is sent in (the result of the future we waited on).
   */
  _step(exc: unknown = NO_EXCEPTION, value?: unknown): void {
    if (this._state !== 'pending') {
      throw new InvalidStateError(`yieldio bug: _step() on ${this}, which is already ${this._state}`);
    }
    if ((this._cancelState & MUST_CANCEL) !== 0) {
      if (!(exc instanceof CancelledError)) exc = this._makeCancelledError(false);
      this._cancelState &= ~MUST_CANCEL;
    }
    this._futWaiter = null;

    const loop = this._loop;
    const prevTask = loop._currentTask;
    if (prevTask !== null) {
      throw new InvalidStateError(`yieldio bug: cannot step ${this} while ${prevTask} is running`);
    }
    loop._currentTask = this as Task<unknown>;
    const onStep = loop.host.onStep;
    if (onStep !== undefined) onStep(this.getName(), loop.time());
    const prevContext = enterTaskContext(this);
    try {
      this._runStep(exc, value);
    } finally {
      leaveTaskContext(this, prevContext);
      loop._currentTask = null;
    }
  }

  /**
   * Resume the generator, then deal with what it did: asyncio `__step_run_and_handle_result`.
   * The common cases (a bare yield, waiting on a future) stay here and the rest goes to
   * the methods below, so the step is small enough for V8 to inline (W1 in bench/).
   */
  _runStep(exc: unknown, value: unknown): void {
    let step: IteratorResult<unknown, T>;
    try {
      step = exc === NO_EXCEPTION ? this._coro.next(value) : this._coro.throw(exc);
    } catch (err) {
      this._stepThrew(err);
      return;
    }
    if (step.done) {
      this._stepReturned(step.value);
      return;
    }
    const yielded = step.value;
    if (yielded === undefined) {
      // Case 2, tested first as the commonest (W1: every sleep(0) and bare yield): a bare
      // `yield`. Give up control for one pass.
      this._loop._schedule(this);
    } else if (yielded instanceof Future) {
      this._waitOn(yielded);
    } else {
      this._badYield(yielded);
    }
  }

  /** The coroutine ended with an exception. */
  _stepThrew(err: unknown): void {
    this._finish();
    if (err === null || err === undefined) {
      // Python refuses to raise a non-exception; here `exception()` could not tell it from
      // "no exception", so it becomes a TypeError that says what happened.
      this._setExceptionUnchecked(new TypeError(`${this} threw ${err}; throw an Error instead`));
    } else if (err instanceof CancelledError) {
      // ...by letting the cancellation through: the task is cancelled.
      super.cancel(err.message);
      // result() throws this very error (once), as asyncio keeps `_cancelled_exc`.
      this._exception = err;
    } else {
      this._setExceptionUnchecked(explainNotIterable(this as Task<unknown>, err));
    }
  }

  /** The coroutine returned. A cancel() that came in during this last step still wins. */
  _stepReturned(value: T): void {
    this._finish();
    if ((this._cancelState & MUST_CANCEL) !== 0) {
      this._cancelState &= ~MUST_CANCEL;
      super.cancel(cancelMessageOf(this));
    } else {
      this._state = 'finished';
      this._result = value;
      this._scheduleCallbacks();
    }
  }

  /** Case 1: a future. Wait until it is done, then `_run` steps us again (asyncio `__wakeup`). */
  _waitOn(yielded: Future<unknown>): void {
    if (yielded._loop !== this._loop) {
      this._throwInSoon(new TypeError(`${this} yielded ${yielded}, which belongs to another event loop; await futures of this loop only`));
    } else if (yielded === (this as Future<unknown>)) {
      this._throwInSoon(new TypeError(`${this} awaited itself, which can never finish`));
    } else {
      if (yielded.addDoneCallback === futureAddDoneCallback) {
        yielded._addWaiter(this);
      } else {
        // A subclass that overrides addDoneCallback sees the wait through it, as asyncio's
        // task adds its wakeup with add_done_callback (test_step_result_future). Rare, so
        // the closure is allocated only here; the common path above allocates nothing.
        yielded.addDoneCallback(() => this._run());
      }
      this._futWaiter = yielded;
      // A cancel() during this step: pass it on to what we now wait on.
      if ((this._cancelState & MUST_CANCEL) !== 0 && yielded.cancel(cancelMessageOf(this))) this._cancelState &= ~MUST_CANCEL;
    }
  }

  /** Cases 3 to 5: anything but a future or a bare yield is a mistake, thrown back in. */
  _badYield(yielded: unknown): void {
    if (isGenerator(yielded)) {
      // Case 3: a coroutine yielded rather than delegated to.
      this._throwInSoon(yieldedCoroutineError(this as Task<unknown>, yielded));
    } else if (isThenable(yielded)) {
      // Case 4: a Promise. The loop cannot wait on one directly.
      this._throwInSoon(new TypeError(`${this} yielded a Promise; wrap it in a future: yield* wrapPromise(promise)`));
    } else {
      // Case 5: anything else.
      this._throwInSoon(new TypeError(`${this} yielded ${describe(yielded)}; yield* a future, a task or a coroutine, or a bare yield to give up one pass`));
    }
  }

  /** A bad yield: throw the error into the coroutine at that yield, on the next pass. */
  _throwInSoon(exc: TypeError): void {
    this._loop._callSoonWithContext(throwInto as (...args: never[]) => unknown, [this, exc], null);
  }

  /** The future we wait on (`_futWaiter`) is done (FutureWaiter): wake up next pass. */
  _wakeupSoon(_fut: Future<unknown>): void {
    this._loop._schedule(this);
  }

  /**
   * What the loop runs (a task is its own entry on the ready queue, so a step allocates
   * nothing): a wake-up if the future we wait on is done, else a plain step. Invariant:
   * a task is on the ready queue at most once, because it is either running, or
   * scheduled, or waiting on exactly one future.
   */
  _run(): void {
    if ((this._cancelState & KILLED) !== 0) return; // a step queued before `_kill`: the coroutine is gone
    const fut = this._futWaiter;
    try {
      // W7: one call of `_step` here, so V8 inlines the step into the pass once (two call
      // sites went over its inlining budget: 56 instructions an acquire/release pair).
      // Plain code: `if (fut === null) this._step(); else this._wakeup(fut);`, where
      // `_wakeup` (asyncio `__wakeup`) stepped with the future's result or exception.
      let exc: unknown = NO_EXCEPTION;
      let value: unknown;
      if (fut !== null) {
        if (fut._state === 'finished' && fut._exception === NO_EXCEPTION) value = fut._result;
        else exc = wakeupError(fut);
      }
      this._step(exc, value);
    } catch (exc) {
      // Only a bug in yieldio gets here: the step catches everything the coroutine throws.
      this._loop.callExceptionHandler({ message: `Exception in step of ${this}`, exception: exc, task: this });
    }
  }

  /** Run the first step now, inside the caller's step (asyncio 3.12 `__eager_start`). */
  _eagerStart(): void {
    const loop = this._loop;
    const prevTask = loop._currentTask;
    loop._currentTask = null;
    // Registered first, so allTasks() sees it during its own first step (as asyncio);
    // if that step finishes it, `_finish` unregisters it again.
    loop._registerTask(this as Task<unknown>);
    try {
      this._step();
    } finally {
      loop._currentTask = prevTask;
    }
  }

  /** The task is leaving the pending state: the loop stops holding it. */
  _finish(): void {
    this._loop._unregisterTask(this as Task<unknown>);
  }

  override toString(): string {
    const state = this._state === 'pending' && this.cancelling() > 0 ? 'cancelling' : this._state;
    let text = `<Task ${state} name=${JSON.stringify(this.getName())}`;
    if (this._state === 'pending' && this._futWaiter !== null) text += ` waiting for ${this._futWaiter}`;
    if (this._state === 'finished' && this._exception !== NO_EXCEPTION) {
      const exc = this._exception;
      text += ` exception=${exc instanceof Error ? `${exc.name}(${JSON.stringify(exc.message)})` : describe(exc)}`;
    } else if (this._state === 'finished') {
      text += ` result=${describeResult(this._result)}`;
    }
    return text + '>';
  }
}


/**
 * The error for `yield coro` (no star), out of `_runStep` so the step stays small enough
 * for V8 to inline. Ours name their call (`<coroutine sleep()>`); a plain generator
 * object cannot say which function made it.
 */
function yieldedCoroutineError(task: Task<unknown>, yielded: object): TypeError {
  const made = /^<coroutine (.+)\(\)>$/.exec(String(yielded));
  return new TypeError(
    made !== null
      ? `${task} yielded coroutine ${made[1]}() instead of delegating to it; write yield* ${made[1]}(...), not yield ${made[1]}(...)`
      : `${task} yielded a coroutine (a generator object) instead of delegating to it; write yield* where you wrote yield: yield* f(), not yield f()`,
  );
}

/**
 * V8's messages for `yield*` on what is not iterable: `yield* promise` or `yield* fn`
 * (not called). TypeScript rejects both (TS2488); in JavaScript they fail inside the
 * coroutine with an engine message that names neither yieldio nor the fix. When one
 * escapes the coroutine, the task fails with ours instead, the original as its cause.
 */
const YIELD_STAR_NOT_ITERABLE = /^yield\* .* is not iterable$/;
const VALUE_NOT_ITERABLE = /^(Object|function|Promise) is not iterable \(cannot read property Symbol\(Symbol\.iterator\)\)$/;

function explainNotIterable(task: Task<unknown>, err: unknown): unknown {
  if (!(err instanceof TypeError)) return err;
  let hint: string;
  if (YIELD_STAR_NOT_ITERABLE.test(err.message)) {
    hint = 'yield* works on coroutines and futures only; a Promise must be wrapped: yield* wrapPromise(promise), and a generator function called: yield* fn()';
  } else {
    const match = VALUE_NOT_ITERABLE.exec(err.message);
    if (match === null) return err;
    hint =
      match[1] === 'function'
        ? 'if it came from yield* fn, call the generator function: yield* fn(), not yield* fn'
        : 'if it came from yield* promise, wrap the Promise: yield* wrapPromise(promise), or make the async function a function*';
  }
  const explained = new TypeError(`${task} failed with "${err.message}": ${hint}`, { cause: err });
  // The engine's error was made inside the coroutine: its frames point at the user's line.
  const frames = err.stack?.split('\n').slice(1).join('\n');
  if (frames) explained.stack = `TypeError: ${explained.message}\n${frames}`;
  return explained;
}

/** What a wake-up throws in when `fut` did not finish with a result (see `_run`). */
function wakeupError(fut: Future<unknown>): unknown {
  if (fut._state === 'cancelled') return fut._makeCancelledError(false);
  try {
    fut.result();
  } catch (err) {
    return err;
  }
  return undefined;
}

function throwInto(task: Task<unknown>, exc: unknown): void {
  task._step(exc);
}

/** Describe a wrong argument where a coroutine was expected, with the likely fix. */
export function describeCoroArgument(value: unknown, outsideLoop = getRunningLoopOrNull() === null): string {
  if (isGeneratorFunction(value)) {
    const name = value.name || 'main';
    return `generator function ${name}; call it to get a coroutine: ${name}()`;
  }
  if (value instanceof Future) return `${value}, a future; pass a coroutine (main()), or await the future inside one: yield* fut`;
  if (isThenable(value)) {
    // wrapPromise needs a loop: outside one (run(promise)), it is the wrong hint.
    if (outsideLoop) {
      return 'a Promise; outside a running loop, await it instead (await promise), or write the coroutine as a generator function: function* main() { ... }, then run(main())';
    }
    return 'a Promise; wrap it in a future: wrapPromise(promise)';
  }
  if (typeof value === 'function') {
    return `${describe(value)}; a coroutine comes from calling a generator function (function*)`;
  }
  return describe(value);
}

/** Start a coroutine as a task on the running loop (asyncio `create_task`). */
export function createTask<T>(coro: Coro<T>, options?: TaskOptions): Task<T> {
  if (!isGenerator(coro)) {
    throw new TypeError(`createTask(): expected a coroutine (a generator object), got ${describeCoroArgument(coro)}`);
  }
  return getRunningLoop('createTask').createTask(coro, options);
}

/** The task running now on the running loop (or on `loop`), or null. asyncio `current_task`. */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  const target = loop ?? getRunningLoop('currentTask');
  return target._currentTask;
}

/** Every task of the running loop (or of `loop`) that is not done yet. asyncio `all_tasks`. */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  const target = loop ?? getRunningLoop('allTasks');
  return new Set(target._pendingTasks());
}

/** Task factory that starts every task eagerly (asyncio 3.12 `eager_task_factory`). */
export function eagerTaskFactory(loop: EventLoop, coro: Coro<unknown>, options: TaskOptions): Task<unknown> {
  return new Task(coro, { eagerStart: true, ...options, loop });
}

/** A task factory that builds `Task` subclass `cls` with eager start (asyncio `create_eager_task_factory`). */
export function createEagerTaskFactory(
  cls: new (coro: Coro<unknown>, options: TaskOptions & { loop?: EventLoop }) => Task<unknown>,
): (loop: EventLoop, coro: Coro<unknown>, options: TaskOptions) => Task<unknown> {
  return (loop, coro, options) => new cls(coro, { eagerStart: true, ...options, loop });
}
