/**
 * The event loop: a ready queue of callbacks, a heap of timers, and one pass that runs
 * them (asyncio `base_events.py`, `BaseEventLoop._run_once`).
 *
 * A pass reads top to bottom:
 *   1. drop cancelled timers (lazily: from the top of the heap, or rebuild the heap when
 *      most of it is cancelled);
 *   2. compute how long the host may wait: not at all if a callback is ready, until the
 *      earliest timer otherwise;
 *   3. the host waits (real time passes, or the virtual clock jumps);
 *   4. move the timers that are due to the ready queue, earliest first, ties in the
 *      order they were scheduled;
 *   5. run exactly the callbacks that are ready now. What they schedule runs next pass,
 *      so a callback that reschedules itself cannot starve timers or I/O.
 *
 * Phases 1-2 are `nextDeadline`, 4-5 are `runOnce`; the host (host.ts) owns phase 3.
 * This is the only place callbacks are called; everything else appends to `ready`.
 *
 * Where we differ from asyncio: `runUntilComplete` returns a Promise on the real host
 * (Node cannot block its thread), and the loop keeps every pending task alive in
 * its task list (asyncio holds them weakly, so an unreferenced task can vanish mid-flight).
 *
 * Imports: no module imports another at run time in a cycle. In types, the loop, future,
 * task, running and coro name each other, as asyncio's `events.py`, `futures.py` and
 * `tasks.py` do (typeshed's stubs have the same cycle): a future knows its loop, the loop
 * makes tasks. The loop-bound helpers it calls (debug, deadlock, executor, promise,
 * provided-methods) take the loop, or a task that names it, so they sit in that cycle
 * too. Handles (`HandleOwner`), hosts and the executor seam (executor-seam.ts) do not.
 */
import type { Context } from './context';
import { copyContext } from './context';
import { InvalidStateError } from './errors';
import type { UnretrievedError } from './future';
import { CHECKED_OPTIONS, Future, NO_EXCEPTION } from './future';
import { Handle, TimerHandle } from './handle';
import type { ExceptionContext, Runnable, Timer } from './handle';
import type { Completion, Host } from './host';
import { RealHost } from './real-host';
import { describe, isGenerator, isGeneratorFunction } from './repr';
import { setRunningLoop, getRunningLoopOrNull } from './running';
import type { Coro } from './coro';
import type { TaskOptions } from './task';
import { TASK_OPTIONS, Task, describeCoroArgument } from './task';
import { deadlockError, untilError } from './deadlock';
import { logger } from './log';
import { environmentDebug, noteDebugLoop, reportUnstartedCoros, sourceTracebacks } from './debug';
import type { Executor } from './executor-seam';
import { checkExecutor, checkNotSimulated, runInExecutor } from './executor';
import { wrapPromise } from './promise';
import { checkOptions } from './options';
import { installProvidedMethods, runCloseHooks } from './provided-methods';
import { TimerHeap } from './timer-heap';

/** A loop's exception handler (asyncio `loop.set_exception_handler`'s `handler(loop, context)`). */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;
/** Makes the loop's tasks (asyncio `loop.set_task_factory`'s `factory(loop, coro, **kwargs)`). */
export type TaskFactory = (loop: EventLoop, coro: Coro<unknown>, options: TaskOptions) => Task<unknown>;

/**
 * idle: not running; running: between runForever() and its return; closed: for good.
 * asyncio keeps these as flags (`_stopping`, `_closed`).
 */
export type LoopState = 'idle' | 'running' | 'closed';

// asyncio's thresholds for rebuilding the heap instead of popping cancelled timers.
const MIN_SCHEDULED_TIMER_HANDLES = 100;
const MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;
/** What `createTask(coro)` passes its Task when given no options. */
const NO_TASK_OPTIONS: TaskOptions = Object.freeze({});
/** The keys of `createFuture()`'s options. */
const CREATE_FUTURE_OPTIONS: readonly string[] = ['description', 'waiterOf'];

/** The event loop: a ready queue, a timer heap and the pass that runs them, on a real or a virtual host (asyncio `BaseEventLoop`). */
export class EventLoop<H extends Host = Host> {
  /** The seam to time and I/O; see host.ts. */
  readonly host: H;
  _state: LoopState = 'idle';
  /** What runs next pass: handles and tasks. Swapped with `_spare` each pass, so a pass allocates nothing. */
  _ready = new ReadyQueue();
  _spare = new ReadyQueue();
  /** Timers, earliest first. Invariant: `_timerCancelledCount` counts the cancelled ones in it. */
  _scheduled = new TimerHeap();
  _timerCancelledCount = 0;
  /** The next timer's tie-breaker (`Timer._seq`): a counter per loop, so the order is the same every run. */
  _timerSeq = 0;
  _stopping = false;
  /** Inside `runOnce`: callbacks scheduled now need no wake-up of the host. */
  _inPass = false;
  /**
   * Every pending task of this loop, held strongly until it is done, in creation order:
   * a doubly linked list through the tasks themselves (`_prevTask`/`_nextTask`), which
   * costs two fields a task where a Set costs a hash entry, and never rehashes.
   */
  _firstTask: Task<unknown> | null = null;
  _lastTask: Task<unknown> | null = null;
  _taskCount = 0;
  _currentTask: Task<unknown> | null = null;
  _debug = false;
  /** In debug mode, a callback that runs longer than this (seconds) is logged. */
  slowCallbackDuration = 0.1;
  _exceptionHandler: ExceptionHandler | null = null;
  _taskFactory: TaskFactory | null = null;
  /** Exceptions no one has retrieved yet; reported at GC or at close (see future.ts). */
  readonly _unretrieved = new Set<UnretrievedError>();
  readonly _unretrievedRegistry: FinalizationRegistry<UnretrievedError>;
  /** Numbers the tasks created without a name: "Task-1", "Task-2", ... */
  _taskCounter = 0;
  /** Made on first use from `host.executorFactory`, or set by `setDefaultExecutor` (executor.ts). */
  _defaultExecutor: Executor | null = null;
  /** Once true, the default executor takes no new work (asyncio `_executor_shutdown_called`). */
  _executorShutdownCalled = false;

  constructor(host?: H, options?: { debug?: boolean }) {
    checkOptions('EventLoop()', options, ['debug']);
    this.host = host ?? (new RealHost() as Host as H);
    this._debug = options?.debug ?? environmentDebug;
    if (this._debug) noteDebugLoop();
    this._unretrievedRegistry = new FinalizationRegistry((record) => {
      if (this._unretrieved.delete(record)) this._reportUnretrieved(record);
    });
  }

  // ---- Scheduling ---------------------------------------------------------------

  /** Call `callback(...args)` on the next pass. */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed('callSoon');
    checkCallback('callSoon', callback);
    return this._callSoonWithContext(callback as (...args: never[]) => unknown, args, copyContext());
  }

  /** callSoon without checks, in a given context: for futures and tasks. */
  _callSoonWithContext(callback: (...args: never[]) => unknown, args: readonly unknown[] | null, context: Context | null): Handle {
    const handle = new Handle(callback, args, this, context);
    this._ready.push(handle);
    if (!this._inPass) this.host.wake();
    return handle;
  }

  /** Put a runnable on the ready queue: a task scheduling its own next step. */
  _schedule(runnable: Runnable): void {
    this._ready.push(runnable);
    if (!this._inPass) this.host.wake();
  }

  /**
   * Whether `runnable` is the last entry on the ready queue, so that work added to it now
   * runs as if scheduled right after it (gather's waiter, W2). Never under a host that
   * permutes the ready queue: there, nothing is "right after" anything.
   */
  _isLastScheduled(runnable: Runnable): boolean {
    const ready = this._ready;
    return ready.length > 0 && ready.at(ready.length - 1) === runnable && this.host.permute === undefined;
  }

  /** `_schedule` for a socket's events (net's transports): the host may wake sooner (see host.ts `wakeForIo`). */
  _scheduleIo(runnable: Runnable): void {
    this._ready.push(runnable);
    if (this._inPass) return;
    const host = this.host;
    if (host.wakeForIo !== undefined) host.wakeForIo();
    else host.wake();
  }

  /** Call `callback(...args)` after `delay` seconds (negative means now). */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkClosed('callLater');
    checkTime('callLater', 'delay', delay);
    checkCallback('callLater', callback);
    return this._callAt(this.time() + delay, callback as (...args: never[]) => unknown, args, copyContext());
  }

  /** Call `callback(...args)` at loop time `when` (seconds, as `time()`). */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkClosed('callAt');
    checkTime('callAt', 'when', when);
    checkCallback('callAt', callback);
    return this._callAt(when, callback as (...args: never[]) => unknown, args, copyContext());
  }

  _callAt(when: number, callback: (...args: never[]) => unknown, args: readonly unknown[] | null, context: Context | null): TimerHandle {
    const timer = new TimerHandle(when, this._timerSeq++, callback, args, this, context);
    this._addTimer(timer);
    return timer;
  }

  /** Put a timer in the heap (a TimerHandle, or a sleep's future: see handle.ts `Timer`). */
  _addTimer(timer: Timer): void {
    this._scheduled.add(timer); // add, not push: push copies its varargs into an array
    if (!this._inPass) this.host.wake();
  }

  _timerHandleCancelled(_timer: Timer): void {
    this._timerCancelledCount++;
  }

  /** The loop's clock, in seconds. */
  time(): number {
    return this.host.time();
  }

  // ---- The pass -------------------------------------------------------------------

  /** Phases 1 and 2 (see the module note). */
  nextDeadline(): number {
    this._dropCancelledTimers();
    if (this._ready.length > 0 || this._stopping) return -Infinity;
    return this._scheduled.peekWhen();
  }

  /** Phase 1. */
  _dropCancelledTimers(): void {
    const scheduled = this._scheduled;
    const count = scheduled.length;
    if (count > MIN_SCHEDULED_TIMER_HANDLES && this._timerCancelledCount / count > MIN_CANCELLED_TIMER_HANDLES_FRACTION) {
      // Most timers are cancelled (timeouts usually are): rebuild rather than pop each.
      const live: Timer[] = [];
      for (const timer of scheduled.toArray()) {
        if (timer._cancelled) timer._scheduled = false;
        else live.push(timer);
      }
      scheduled.init(live);
      this._timerCancelledCount = 0;
      return;
    }
    let first = scheduled.peek();
    while (first !== undefined && first._cancelled) {
      this._timerCancelledCount--;
      scheduled.pop();
      first._scheduled = false;
      first = scheduled.peek();
    }
  }

  /** Phases 4 and 5 (see the module note). Returns the number of callbacks and task steps run. */
  runOnce(): number {
    // Phase 4: due timers join the ready queue, earliest first (no clock read without timers).
    const scheduled = this._scheduled;
    let first = scheduled.peek();
    const end = first === undefined ? 0 : this.host.time() + this.host.resolution;
    while (first !== undefined && scheduled.peekWhen() <= end) {
      scheduled.pop();
      first._scheduled = false;
      if (first._cancelled) this._timerCancelledCount--;
      else this._ready.push(first);
      first = scheduled.peek();
    }

    // Phase 5: run exactly what is ready now. New callbacks go to the other array.
    const batch = this._ready;
    const count = batch.length;
    this._ready = this._spare;
    const permute = this.host.permute;
    if (permute !== undefined && count > 0) {
      if (count > CHUNK) batch.flatten();
      permute(batch.items, count);
    }
    const outer = getRunningLoopOrNull();
    setRunningLoop(this);
    this._inPass = true;
    try {
      if (this._debug) this._runTimed(batch);
      else batch.runAll();
    } finally {
      // Non-empty only if a runnable threw, which they never should (they catch): drop
      // the rest rather than run it twice.
      if (batch.length !== 0) batch.clear();
      this._spare = batch;
      this._inPass = false;
      setRunningLoop(outer);
    }
    return count;
  }

  /** Phase 5 in debug mode: time each callback, and log the slow ones. */
  _runTimed(batch: ReadyQueue): void {
    if (batch.length > CHUNK) batch.flatten();
    const items = batch.items;
    for (let i = 0; i < batch.length; i++) {
      const handle = items[i]!;
      items[i] = undefined;
      const t0 = this.host.time();
      handle._run();
      const took = this.host.time() - t0;
      if (took >= this.slowCallbackDuration) {
        logger.warning(`Executing ${handle} took ${took.toFixed(3)} seconds`);
      }
    }
    batch.length = 0;
    batch.flat = false;
  }

  /** Whether `stop()` was called and the loop has not stopped yet. */
  isStopping(): boolean {
    return this._stopping;
  }

  // ---- Running and stopping ------------------------------------------------------

  /**
   * Run passes until `stop()` is called. On a synchronous (virtual) host this returns
   * when the loop stops; on the real host it returns a Promise.
   */
  runForever(): Completion<H, void> {
    this._checkClosed('runForever');
    this._checkNotRunning('runForever');
    this._state = 'running';
    const done = (): void => {
      this._stopping = false;
      if (this._state === 'running') this._state = 'idle';
    };
    const host = this.host;
    return host.after(
      () => host.run(this),
      done,
      (err: unknown): never => {
        done();
        throw err;
      },
    );
  }

  /**
   * Run until `aw` (a future, task or coroutine) is done, and return its result or throw
   * its exception. A coroutine is wrapped in a task first.
   */
  runUntilComplete<T>(aw: Future<T> | Coro<T>): Completion<H, T> {
    this._checkClosed('runUntilComplete');
    this._checkNotRunning('runUntilComplete');
    let fut: Future<T>;
    if (aw instanceof Future) {
      if (aw._loop !== this) {
        throw new TypeError(`runUntilComplete(): ${aw} belongs to another event loop; run it on its own loop`);
      }
      fut = aw;
    } else if (isGenerator(aw)) {
      fut = this.createTask(aw);
    } else {
      throw new TypeError(`runUntilComplete(): expected a coroutine, a future or a task, got ${describeCoroArgument(aw, false)}`);
    }
    const stopLoop = (): void => this.stop();
    fut.addDoneCallback(stopLoop);
    const finish = (): T => {
      fut.removeDoneCallback(stopLoop);
      if (!fut.done()) {
        throw new InvalidStateError('runUntilComplete(): the event loop stopped before the future completed');
      }
      return fut.result();
    };
    const onError = (err: unknown): never => {
      fut.removeDoneCallback(stopLoop);
      // The future's exception, if any, is not what escaped: do not report it as unseen.
      if (fut.done() && !fut.cancelled()) fut._markRetrieved();
      throw err;
    };
    return this.host.after(() => this.runForever(), finish, onError);
  }

  /** Stop after the current pass (or after one pass, if called before running). */
  stop(): void {
    this._stopping = true;
    if (!this._inPass) this.host.wake();
  }

  /** Whether the loop is running (asyncio `loop.is_running`). */
  isRunning(): boolean {
    return this._state === 'running';
  }

  /** Whether the loop is closed (asyncio `loop.is_closed`). */
  isClosed(): boolean {
    return this._state === 'closed';
  }

  /**
   * Close the loop: drop every pending callback and timer. Reports exceptions that no one
   * retrieved. Closing twice is fine; closing a running loop is not.
   */
  close(): void {
    if (this._state === 'running') {
      throw new InvalidStateError('close(): the event loop is running; stop it first (loop.stop()) and close it after');
    }
    if (this._state === 'closed') return;
    this._state = 'closed';
    this._ready.clear();
    this._scheduled.clear();
    this._timerCancelledCount = 0;
    // As asyncio's close(): let the default executor go without waiting for it (run()
    // waits, in shutdownDefaultExecutor); the work it has finishes, its threads end.
    const executor = this._defaultExecutor;
    this._defaultExecutor = null;
    this._executorShutdownCalled = true;
    if (executor !== null) {
      Promise.resolve(executor.shutdown()).catch((exc: unknown) => safeLog('Exception while shutting down the default executor', exc));
    }
    for (const record of this._unretrieved) this._reportUnretrieved(record);
    this._unretrieved.clear();
    reportUnstartedCoros(this);
    // What other packages opened for this loop (net's signal listeners and children).
    runCloseHooks(this);
  }

  // ---- Futures and tasks ------------------------------------------------------------

  /** A new pending future on this loop (asyncio `loop.create_future`); `description` names it in messages and deadlock reports, `waiterOf` the primitive it waits on. */
  createFuture<T = unknown>(options?: { description?: string; waiterOf?: object }): Future<T> {
    if (options !== undefined) checkOptions('createFuture()', options, CREATE_FUTURE_OPTIONS);
    return new Future<T>(options, CHECKED_OPTIONS, this);
  }

  /** Wrap a coroutine in a task that starts on the next pass (or now, if eager). */
  createTask<T>(coro: Coro<T>, options?: TaskOptions): Task<T> {
    this._checkClosed('createTask');
    if (!isGenerator(coro)) {
      throw new TypeError(`createTask(): expected a coroutine (a generator object), got ${describeCoroArgument(coro)}`);
    }
    checkOptions('createTask()', options, TASK_OPTIONS);
    const factory = this._taskFactory;
    // W2: no `{}` per task when no options are given (plain code: `options: TaskOptions = {}`).
    if (factory === null) return new Task(coro, options ?? NO_TASK_OPTIONS, this);
    options ??= {};
    const task = factory(this, coro, options) as Task<T>;
    if (options.name !== undefined) task.setName(options.name);
    return task;
  }

  /** Set, or with null reset, the factory `createTask` uses (asyncio `loop.set_task_factory`). */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== 'function') {
      throw new TypeError(`setTaskFactory(): expected a function (loop, coro, options) => Task, or null, got ${describe(factory)}`);
    }
    this._taskFactory = factory;
  }

  /** The task factory, or null for the default (asyncio `loop.get_task_factory`). */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  _registerTask(task: Task<unknown>): void {
    task._prevTask = this._lastTask;
    if (this._lastTask === null) this._firstTask = task;
    else this._lastTask._nextTask = task;
    this._lastTask = task;
    this._taskCount++;
  }

  /** Unlink a task that is done; a task never registered (done eagerly) is left alone. */
  _unregisterTask(task: Task<unknown>): void {
    if (task._prevTask === null && this._firstTask !== task) return;
    if (task._prevTask === null) this._firstTask = task._nextTask;
    else task._prevTask._nextTask = task._nextTask;
    if (task._nextTask === null) this._lastTask = task._prevTask;
    else task._nextTask._prevTask = task._prevTask;
    task._prevTask = task._nextTask = null;
    this._taskCount--;
  }

  /** The pending tasks, oldest first. */
  _pendingTasks(): Task<unknown>[] {
    const tasks: Task<unknown>[] = [];
    for (let task = this._firstTask; task !== null; task = task._nextTask) tasks.push(task);
    return tasks;
  }

  _nextTaskNumber(): number {
    return ++this._taskCounter;
  }

  // ---- Executors (executor.ts) -----------------------------------------------------

  /**
   * Run `fn(...args)` in `executor` (null: the default, a worker-thread pool once
   * `@yieldio/threads` is imported) and return a future of its result.
   */
  runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    return runInExecutor(this, 'runInExecutor()', executor, fn, args);
  }

  /** Use `executor` for `runInExecutor(null, ...)` and `toThread`. */
  setDefaultExecutor(executor: Executor): void {
    checkNotSimulated(this, 'setDefaultExecutor()');
    checkExecutor('setDefaultExecutor()', executor);
    this._defaultExecutor = executor;
  }

  /** Let the default executor finish its work and release its threads (`run()` calls this). */
  /**
   * Let the default executor finish its work and release its threads (asyncio 3.12
   * `shutdown_default_executor(timeout)`). With a `timeout` in seconds, give up waiting
   * after it, with a warning, and leave the executor to finish on its own; null waits as
   * long as it takes. `run()` passes 300 s, as asyncio's runner does.
   */
  *shutdownDefaultExecutor(timeout: number | null = null): Coro<void> {
    if (timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
      throw new TypeError(`shutdownDefaultExecutor(): timeout must be a number of seconds or null (no limit), got ${describe(timeout)}`);
    }
    if (timeout !== null && timeout < 0) {
      throw new RangeError(`shutdownDefaultExecutor(): timeout must be >= 0 seconds, got ${timeout}; pass null to wait without a limit`);
    }
    this._checkClosed('shutdownDefaultExecutor');
    this._executorShutdownCalled = true;
    const executor = this._defaultExecutor;
    if (executor === null) return;
    checkNotSimulated(this, 'shutdownDefaultExecutor()');
    const done = wrapPromise(executor.shutdown(), { loop: this });
    try {
      if (timeout === null) {
        yield* done;
      } else {
        let timedOut = false;
        const timer = this.callLater(timeout, () => {
          timedOut = true;
          done.cancel();
        });
        try {
          yield* done;
        } catch (exc) {
          // A cancellation from outside (our task cancelled) goes on; only ours is a timeout.
          if (!timedOut) throw exc;
          logger.warning(`shutdownDefaultExecutor(): the default executor did not finish its work within ${timeout} seconds; leaving it to finish on its own`);
        } finally {
          timer.cancel();
        }
      }
    } finally {
      this._defaultExecutor = null;
    }
  }

  // ---- Errors ----------------------------------------------------------------------

  /** Set, or with null reset, the handler of errors nobody else handles (asyncio `loop.set_exception_handler`). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw new TypeError(`setExceptionHandler(): expected a function (loop, context) => void, or null, got ${describe(handler)}`);
    }
    this._exceptionHandler = handler;
  }

  /** The exception handler, or null for the default (asyncio `loop.get_exception_handler`). */
  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /** Report an error that has nowhere else to go: a callback threw, a task failed unseen. */
  callExceptionHandler(context: ExceptionContext): void {
    // Never throws: it is what the loop calls when everything else has failed.
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (exc) {
        safeLog('Exception in default exception handler', exc);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exc) {
      // The handler itself failed: say so, and still report the original error.
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: exc, context });
      } catch (exc2) {
        safeLog('Exception in default exception handler while handling an unexpected error in custom exception handler', exc2);
      }
    }
  }

  /** Log the context: message, then each other key, then the exception's stack. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || 'Unhandled exception in event loop'];
    for (const key of Object.keys(context).sort()) {
      if (key === 'message' || key === 'exception') continue;
      const value = context[key];
      lines.push(`${key}: ${key === 'sourceTraceback' ? `\n${value}` : String(value)}`);
    }
    const exc = context.exception;
    if (exc !== undefined) lines.push(exc instanceof Error && exc.stack ? exc.stack : String(exc));
    logger.error(lines.join('\n'));
  }

  _trackUnretrieved(fut: Future<unknown>, exception: unknown): UnretrievedError {
    const isTask = 'getCoro' in fut;
    const record: UnretrievedError = {
      message: `${isTask ? 'Task' : 'Future'} exception was never retrieved`,
      exception,
      future: new WeakRef(fut),
      sourceTraceback: sourceTracebacks.get(fut),
    };
    this._unretrieved.add(record);
    this._unretrievedRegistry.register(fut, record, record);
    return record;
  }

  _untrackUnretrieved(record: UnretrievedError): void {
    this._unretrieved.delete(record);
    this._unretrievedRegistry.unregister(record);
  }

  _reportUnretrieved(record: UnretrievedError): void {
    const fut = record.future.deref();
    const context: ExceptionContext = { message: record.message, exception: record.exception };
    if (fut !== undefined) context['getCoro' in fut ? 'task' : 'future'] = fut;
    if (record.sourceTraceback !== undefined) context.sourceTraceback = record.sourceTraceback;
    this.callExceptionHandler(context);
  }

  // ---- Debug -------------------------------------------------------------------------

  /** Turn debug mode on or off (asyncio `loop.set_debug`). */
  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
    if (this._debug) noteDebugLoop();
  }

  /** Whether debug mode is on (asyncio `loop.get_debug`). */
  getDebug(): boolean {
    return this._debug;
  }

  // ---- Guards ------------------------------------------------------------------------

  _checkClosed(method: string): void {
    if (this._state === 'closed') {
      throw new InvalidStateError(`${method}(): the event loop is closed; create a new one (newEventLoop()) or use run()`);
    }
  }

  _checkNotRunning(method: string): void {
    if (this._state === 'running') {
      throw new InvalidStateError(
        `${method}(): this event loop is already running; from inside it, await instead: yield* aw`,
      );
    }
    if (getRunningLoopOrNull() !== null) {
      throw new InvalidStateError(
        `${method}(): another event loop is running in this thread; from inside it, await instead: yield* aw`,
      );
    }
  }

  /** For the virtual host: the error for a program that can never finish. */
  deadlockError(): Error {
    return deadlockError(this);
  }

  /** For the virtual host: the error for a program still running at virtual time `until` (a `SimulationTimeoutError`). */
  untilError(until: number): Error {
    return untilError(this, until);
  }

  /** `<EventLoop real|virtual state>`, as asyncio's `repr`. */
  toString(): string {
    return `<EventLoop ${this.host.kind} ${this._state}${this._debug ? ' debug' : ''}>`;
  }
}

// loop.createConnection(), loop.addSignalHandler()...: other packages provide them;
// until one is imported, calling says which (provided-methods.ts).
installProvidedMethods(EventLoop.prototype);

/** Entries of a ReadyQueue's first array, and of each chunk past it (see ReadyQueue). */
const CHUNK = 4096;
/** log2(CHUNK). */
const CHUNK_BITS = 12;

/**
 * A queue of runnables that keeps its storage: `length = 0` on a JavaScript array gives
 * the storage back, so the next pass would grow it again from nothing. Slots are cleared
 * as they run, so nothing that ran is kept alive.
 *
 * W2: past its first CHUNK entries the queue goes on in chunks of CHUNK (32 KiB, young
 * objects), made once and kept. An array grown to 100,000 entries (W2's spawn: a fresh
 * loop each run) was copied at every growth, past 16,000 entries into a new large
 * object each time (about 27 bytes a task, and a tenth of W2's time in `push`). Plain
 * code: `items[length++] = runnable` on one array. `flatten()` gives the one-array view
 * that the host's `permute` and the debug-mode pass take.
 */
class ReadyQueue {
  /** The first CHUNK entries (all of them after `flatten()`). */
  items: (Runnable | undefined)[] = [];
  length = 0;
  /** Entry `CHUNK * (k + 1) + j` is `chunks[k][j]`, unless `flat`. */
  chunks: (Runnable | undefined)[][] = [];
  /** Every entry is in `items` (after `flatten()`, until the queue is emptied). */
  flat = false;

  push(runnable: Runnable): void {
    const i = this.length++;
    if (i < CHUNK) this.items[i] = runnable;
    else this.pushFar(i, runnable);
  }

  pushFar(i: number, runnable: Runnable): void {
    const k = (i >> CHUNK_BITS) - 1;
    const chunk = this.chunks[k] ?? (this.chunks[k] = new Array<undefined>(CHUNK).fill(undefined));
    chunk[i & (CHUNK - 1)] = runnable;
  }

  /** The entry at `i` (< length). */
  at(i: number): Runnable | undefined {
    return i < CHUNK ? this.items[i] : this.chunks[(i >> CHUNK_BITS) - 1]![i & (CHUNK - 1)];
  }

  /** Run every entry in order, then empty the queue (phase 5's loop, kept out of try/finally so V8 optimizes it). */
  runAll(): void {
    const items = this.items;
    const n = this.length;
    const first = n <= CHUNK || this.flat ? n : CHUNK;
    for (let i = 0; i < first; i++) {
      const runnable = items[i]!;
      items[i] = undefined;
      runnable._run();
    }
    if (first < n) this.runFar(n);
    this.length = 0;
    this.flat = false;
  }

  runFar(n: number): void {
    const chunks = this.chunks;
    for (let k = 0; CHUNK * (k + 1) < n; k++) {
      const chunk = chunks[k]!;
      const end = Math.min(CHUNK, n - CHUNK * (k + 1));
      for (let j = 0; j < end; j++) {
        const runnable = chunk[j]!;
        chunk[j] = undefined;
        runnable._run();
      }
    }
  }

  /** Move every entry into `items`, in order (rare: a permuting host or debug mode with more than CHUNK ready). */
  flatten(): void {
    if (this.flat) return;
    const n = this.length;
    const items = this.items;
    for (let i = CHUNK; i < n; i++) {
      const chunk = this.chunks[(i >> CHUNK_BITS) - 1]!;
      items[i] = chunk[i & (CHUNK - 1)];
      chunk[i & (CHUNK - 1)] = undefined;
    }
    this.flat = true;
  }

  clear(): void {
    const n = this.length;
    this.items.fill(undefined, 0, Math.min(n, this.items.length));
    if (!this.flat) for (let k = 0; CHUNK * (k + 1) < n; k++) this.chunks[k]!.fill(undefined);
    this.length = 0;
    this.flat = false;
  }
}

function safeLog(message: string, exc: unknown): void {
  try {
    logger.error(`${message}\n${exc instanceof Error && exc.stack ? exc.stack : String(exc)}`);
  } catch {
    // The logger itself failed: there is nothing left to report to.
  }
}

function checkCallback(method: string, callback: unknown): void {
  if (typeof callback !== 'function') {
    throw new TypeError(`${method}(): expected a function to call, got ${describe(callback)}`);
  }
  if (isGeneratorFunction(callback)) {
    const name = callback.name || 'fn';
    throw new TypeError(
      `${method}(): got generator function ${name}; calling it would only create a coroutine that never runs; start it as a task: createTask(${name}())`,
    );
  }
}

function checkTime(method: string, what: string, value: unknown): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${method}(): ${what} must be a number of seconds, got ${describe(value)}`);
  }
  if (Number.isNaN(value)) {
    throw new RangeError(`${method}(): ${what} must be a number of seconds, got NaN`);
  }
}

export { NO_EXCEPTION };
