/**
 * run(coro) and Runner: the entry points (asyncio 3.11+ `runners.py`).
 *
 * `run(main())` makes a fresh loop, runs `main()` as a task until it is done, then cancels
 * whatever tasks are left, waits for them, and closes the loop. On the real clock it
 * returns a Promise (Node cannot block its thread); on a virtual loop (`simulate`) the
 * same code returns the value.
 *
 * Ctrl-C (SIGINT) while the main task runs cancels it, as 3.11's Runner does; if the task
 * lets the cancellation through, `run` throws `KeyboardInterrupt`. A second Ctrl-C gives
 * the signal back to Node, whose default ends the process.
 */
import type { Coro } from './coro';
import { CancelledError, InvalidStateError, KeyboardInterrupt } from './errors';
import type { Context } from './context';
import { copyContext } from './context';
import type { EventLoop } from './loop';
import type { Completion, Host } from './host';
import { gather } from './gather';
import { newEventLoop } from './events';
import { isGenerator } from './repr';
import { getRunningLoopOrNull, setCurrentLoop } from './running';
import { describeCoroArgument } from './task';
import { sourceTracebacks } from './debug';
import type { Task } from './task';
import { checkOptions } from './options';

export type RunnerState = 'created' | 'initialized' | 'closed';

/** Options of `new Runner(options)` (asyncio `Runner(*, debug=None, loop_factory=None)`). */
export interface RunnerOptions<H extends Host> {
  debug?: boolean;
  /** Makes the loop; default `newEventLoop()` (real clock). */
  loopFactory?: () => EventLoop<H>;
}

/** Runs coroutines on one loop it makes and closes (asyncio `Runner`, 3.11); `run()` is the one-shot form. */
export class Runner<H extends Host = Host> {
  _state: RunnerState = 'created';
  _loop: EventLoop<H> | null = null;
  readonly #debug: boolean | undefined;
  readonly #loopFactory: (() => EventLoop<H>) | undefined;
  #interruptCount = 0;
  /** Every run of this runner shares one context, as asyncio's Runner (so a ContextVar set in one run is seen by the next). */
  #context: Context | null = null;
  /** Removes our SIGINT handler; null when none is installed. */
  #removeInterrupt: (() => void) | null = null;

  constructor(options: RunnerOptions<H> = {}) {
    checkOptions('Runner()', options, ['debug', 'loopFactory']);
    this.#debug = options.debug;
    this.#loopFactory = options.loopFactory;
  }

  /** The runner's loop (created on first use). */
  getLoop(): EventLoop<H> {
    this.#lazyInit();
    return this._loop!;
  }

  /** Run `coro` as the main task until it is done; return (or resolve to) its result. */
  run<T>(coro: Coro<T>, options?: { context?: Context }): Completion<H, T> {
    if (getRunningLoopOrNull() !== null) {
      throw new InvalidStateError('Runner.run(): cannot be called from a running event loop; await the coroutine instead: yield* coro');
    }
    if (!isGenerator(coro)) {
      throw new TypeError(`run(): expected a coroutine, got ${describeCoroArgument(coro)}`);
    }
    checkOptions('Runner.run()', options, ['context']);
    this.#lazyInit();
    const loop = this._loop!;
    if (loop.isRunning()) {
      throw new InvalidStateError('Runner.run(): this runner is already running a coroutine; await the first run before starting another');
    }
    const task = loop.createTask(coro, { context: options?.context ?? this.#context! });
    this.#interruptCount = 0;
    this.#removeInterrupt = loop.host.onInterrupt(() => this.#onInterrupt(task));
    const removeInterrupt = (): void => {
      this.#removeInterrupt?.();
      this.#removeInterrupt = null;
    };
    const onError = (err: unknown): never => {
      removeInterrupt();
      if (err instanceof CancelledError && this.#interruptCount > 0 && task.uncancel() === 0) {
        throw new KeyboardInterrupt('interrupted (SIGINT): the main task was cancelled', { cause: err });
      }
      throw err;
    };
    return loop.host.after(
      () => loop.runUntilComplete(task),
      (result: T): T => {
        removeInterrupt();
        return result;
      },
      onError,
    );
  }

  /** Cancel the tasks left, wait for them, close the loop. Closing twice is fine. */
  close(): Completion<H, void> {
    // No loop (never made, or closed already), so no host to ask: nothing to wait for.
    if (this._state !== 'initialized') return undefined as Completion<H, void>;
    const loop = this._loop!;
    const finish = (): void => {
      setCurrentLoop(null);
      loop.close();
      this._loop = null;
      this._state = 'closed';
    };
    // As asyncio's Runner.close: cancel what is left, then shut the default executor down,
    // and close the loop even when that fails (try/finally there): on the virtual clock a
    // cleanup that can never finish throws DeadlockError.
    let shutdown: Completion<H, void> | Promise<void> | undefined;
    try {
      const cancelled = cancelAllTasks(loop);
      shutdown = cancelled instanceof Promise ? cancelled.then(() => shutdownDefaultExecutor(loop)) : shutdownDefaultExecutor(loop);
    } catch (err) {
      finish();
      throw err;
    }
    if (shutdown instanceof Promise) return shutdown.finally(finish) as Completion<H, void>;
    finish();
    return loop.host.settled(undefined);
  }

  /** `using runner = new Runner(...)`: closes on scope exit (synchronous loops only). */
  [Symbol.dispose](): void {
    if (this._state !== 'initialized') return;
    if (this._loop!.host.outcome !== 'sync' && this._loop!._taskCount > 0) {
      throw new InvalidStateError(
        'Runner[Symbol.dispose](): tasks are still running and the real clock cannot wait synchronously; use `await using` or `await runner.close()`',
      );
    }
    this.close();
  }

  /** `await using runner = new Runner()`: closes, waiting for leftover tasks. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #lazyInit(): void {
    if (this._state === 'closed') throw new InvalidStateError('Runner: the runner is closed; create a new one');
    if (this._state === 'initialized') return;
    this._loop = this.#loopFactory ? this.#loopFactory() : (newEventLoop() as unknown as EventLoop<H>);
    if (this.#debug !== undefined) this._loop.setDebug(this.#debug);
    this.#context = copyContext();
    setCurrentLoop(this._loop);
    this._state = 'initialized';
  }

  #onInterrupt(mainTask: Task<unknown>): void {
    this.#interruptCount++;
    if (this.#interruptCount === 1 && !mainTask.done()) {
      mainTask.cancel();
      return;
    }
    // Second Ctrl-C: stop handling it, and send it again so Node's default (exit) runs.
    this.#removeInterrupt?.();
    this.#removeInterrupt = null;
    const proc = (globalThis as { process?: { kill(pid: number, sig: string): void; pid: number } }).process;
    proc?.kill(proc.pid, 'SIGINT');
  }
}

/**
 * How long (loop seconds) the tasks cancelled at the end get to finish. asyncio waits
 * for ever, so a task that catches CancelledError in a retry loop hangs `asyncio.run`
 * without a word; we name each such task after this long and stop waiting for it.
 */
export const SHUTDOWN_GRACE = 5;

/**
 * Cancel every pending task and run the loop until they are done (asyncio
 * `_cancel_all_tasks`), or until SHUTDOWN_GRACE has passed: then report each task
 * still running and leave it. Returns undefined if there was nothing to cancel.
 */
function cancelAllTasks<H extends Host>(loop: EventLoop<H>): Completion<H, void> | undefined {
  const toCancel = loop._pendingTasks();
  if (toCancel.length === 0) return undefined;
  for (const task of toCancel) task.cancel();
  const all = gather(toCancel, { returnExceptions: true });
  const finished = loop.createFuture<void>({ description: 'the tasks cancelled at shutdown' });
  all.addDoneCallback(() => {
    if (!finished.done()) finished.setResult(undefined);
  });
  const giveUp = (): void => {
    // On the virtual clock, nothing else pending means the grace timer alone kept the
    // loop going: the tasks left wait on each other, which DeadlockError says better.
    const stuck = loop.host.stuck(loop);
    if (stuck !== null) {
      finished.setException(stuck);
      return;
    }
    for (const task of toCancel) if (!task.done()) reportIgnoredCancellation(loop, task);
    finished.setResult(undefined);
  };
  // Decide one pass later: timers due with ours (a retry loop's sleep) have run by then
  // and scheduled what follows, so "nothing pending" (host.stuck) is true.
  const grace = loop.callLater(SHUTDOWN_GRACE, () => loop.callLater(0, giveUp));
  const report = (): void => {
    grace.cancel();
    for (const task of toCancel) {
      if (!task.done() || task.cancelled()) continue;
      const exc = task.exception();
      if (exc !== null) {
        loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: exc, task });
      }
    }
  };
  return loop.host.after(() => loop.runUntilComplete(finished), report, rethrow);
}

function rethrow(err: unknown): never {
  throw err;
}

/** How long run() waits for the default executor's threads at the end (asyncio 3.12 `constants.THREAD_JOIN_TIMEOUT`). */
const THREAD_JOIN_TIMEOUT = 300;
function reportIgnoredCancellation(loop: EventLoop, task: Task<unknown>): void {
  const where = sourceTracebacks.get(task);
  loop.callExceptionHandler({
    message:
      `${task} ignored its cancellation: ${SHUTDOWN_GRACE} seconds after the tasks left at the end were cancelled, ` +
      'it has not finished (a catch that swallows CancelledError in a loop? a cleanup that waits for ever?); it is left behind and the loop closed. ' +
      `Let cancellations through: catch (e) { rethrowIfCancelled(e); ... }${where === undefined ? '; run with { debug: true } to see where the task was created' : ''}`,
    task,
    ...(where === undefined ? {} : { sourceTraceback: where }),
  });
}

/**
 * Wait for the default executor's work and release its threads (asyncio 3.9+
 * `shutdown_default_executor`), for THREAD_JOIN_TIMEOUT seconds at most. Returns
 * undefined when the loop never made one.
 */
function shutdownDefaultExecutor<H extends Host>(loop: EventLoop<H>): Completion<H, void> | undefined {
  if (loop._defaultExecutor === null) return undefined;
  return loop.runUntilComplete(loop.shutdownDefaultExecutor(THREAD_JOIN_TIMEOUT));
}

/**
 * Run `coro` on a fresh real-clock loop and return a Promise of its result; then cancel
 * what is left and close the loop (asyncio `run`).
 */
export function run<T>(coro: Coro<T>, options?: { debug?: boolean }): Promise<T> {
  if (getRunningLoopOrNull() !== null) {
    throw new InvalidStateError('run(): cannot be called from a running event loop; await the coroutine instead: yield* coro');
  }
  if (!isGenerator(coro)) {
    throw new TypeError(`run(): expected a coroutine, got ${describeCoroArgument(coro)}`);
  }
  checkOptions('run()', options, ['debug']);
  const runner = new Runner({ debug: options?.debug, loopFactory: newEventLoop });
  return runner.run(coro).then(
    async (result) => {
      await runner.close();
      return result;
    },
    async (err: unknown) => {
      await runner.close();
      throw err;
    },
  );
}
