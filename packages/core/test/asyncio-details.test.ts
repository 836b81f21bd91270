/**
 * asyncio details that ported code relies on (issue #13): `Token.var`, a Future subclass
 * that overrides addDoneCallback (asyncio test_tasks.py `test_step_result_future`), and
 * `shutdownDefaultExecutor(timeout)` (3.12).
 */
import {
  ContextVar,
  Future,
  InvalidStateError,
  createTask,
  getRunningLoop,
  logger,
  newEventLoop,
  newVirtualEventLoop,
  run,
  sleep,
  type Coro,
  type DoneCallback,
  type Executor,
} from '@yieldio/core';

describe('Token', () => {
  it('names its variable var, as contextvars does, and variable still works', () => {
    const v = new ContextVar<number>('v');
    const token = v.set(1);
    expect(token.var).toBe(v);
    expect(token.variable).toBe(v);
    v.reset(token);
    expect(v.get(7)).toBe(7);
  });
});

describe('a Future subclass that overrides addDoneCallback', () => {
  // test_step_result_future: the task waits on the future through the override.
  class Fut<T> extends Future<T> {
    cbAdded = 0;
    override addDoneCallback(fn: DoneCallback<this>, options?: Parameters<Future<T>['addDoneCallback']>[1]): void {
      this.cbAdded++;
      super.addDoneCallback(fn, options);
    }
  }

  it('sees the task wait on it, and the task gets its result', () => {
    const loop = newVirtualEventLoop();
    const fut = new Fut<string>({ loop });
    let result: string | null = null;
    const task = loop.createTask((function* (): Coro<void> {
      result = yield* fut;
    })());
    loop.runUntilComplete(sleep(0));
    expect(fut.cbAdded).toBe(1);
    fut.setResult('res');
    loop.runUntilComplete(sleep(0));
    expect(result).toBe('res');
    expect(task.done()).toBe(true);
    loop.close();
  });

  it('passes its exception and a cancellation of the waiting task through', () => {
    const loop = newVirtualEventLoop();
    const failing = new Fut<string>({ loop });
    const failed = loop.createTask((function* (): Coro<string> {
      return yield* failing;
    })());
    const waiting = new Fut<string>({ loop });
    const cancelled = loop.createTask((function* (): Coro<string> {
      return yield* waiting;
    })());
    loop.runUntilComplete(sleep(0));
    failing.setException(new RangeError('boom'));
    cancelled.cancel();
    loop.runUntilComplete(sleep(0));
    expect(failed.exception()).toEqual(new RangeError('boom'));
    expect(cancelled.cancelled()).toBe(true);
    expect(waiting.cancelled()).toBe(true);
    loop.close();
  });
});

describe('shutdownDefaultExecutor(timeout)', () => {
  /** An executor whose shutdown takes `seconds` of real time (Infinity: never ends). */
  function slowExecutor(seconds: number): Executor {
    return {
      submit: () => Promise.reject(new Error('not used')),
      shutdown: () => new Promise<void>((resolve) => {
        if (seconds !== Infinity) setTimeout(resolve, seconds * 1000);
      }),
    };
  }

  it('gives up after the timeout with a warning, and the loop drops the executor', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(logger, 'warning').mockImplementation((message: string) => void warnings.push(message));
    try {
      const loop = newEventLoop();
      loop.setDefaultExecutor(slowExecutor(Infinity));
      const started = loop.time();
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(0.05));
      expect(loop.time() - started).toBeGreaterThanOrEqual(0.04);
      expect(loop._defaultExecutor).toBeNull();
      expect(warnings).toEqual([
        'shutdownDefaultExecutor(): the default executor did not finish its work within 0.05 seconds; leaving it to finish on its own',
      ]);
      loop.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('returns as soon as the executor is done, with no warning, when it is within the timeout', async () => {
    const warn = jest.spyOn(logger, 'warning');
    try {
      const loop = newEventLoop();
      loop.setDefaultExecutor(slowExecutor(0.01));
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(5));
      expect(warn).not.toHaveBeenCalled();
      expect(() => loop.runInExecutor(null, () => 1)).toThrow(InvalidStateError);
      loop.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('lets a cancellation of the caller through, without a warning', async () => {
    const warn = jest.spyOn(logger, 'warning');
    try {
      const outcome = await run((function* (): Coro<boolean> {
        const loop = getRunningLoop();
        loop.setDefaultExecutor(slowExecutor(Infinity));
        const shutdown = createTask(loop.shutdownDefaultExecutor(10));
        yield* sleep(0.01);
        shutdown.cancel();
        yield* sleep(0);
        return shutdown.cancelled();
      })());
      expect(outcome).toBe(true);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a timeout that is not a number of seconds >= 0, or null', () => {
    const loop = newVirtualEventLoop();
    expect(() => loop.shutdownDefaultExecutor('5' as never).next()).toThrow(
      new TypeError('shutdownDefaultExecutor(): timeout must be a number of seconds or null (no limit), got "5" (a string)'),
    );
    expect(() => loop.shutdownDefaultExecutor(-1).next()).toThrow(
      new RangeError('shutdownDefaultExecutor(): timeout must be >= 0 seconds, got -1; pass null to wait without a limit'),
    );
    loop.close();
  });
});

describe("a future's iterator after a throw", () => {
  // test_futureiter_send_after_throw_no_crash: the iterator is finished, not stuck.
  it('is finished: next() returns done, and a new yield* gets a fresh iterator', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<number>();
    const it = fut[Symbol.iterator]();
    const first = it.next();
    expect([first.done, first.value === fut]).toEqual([false, true]);
    const exc = new RangeError('thrown in');
    expect(() => it.throw!(exc)).toThrow(exc);
    expect(it.next()).toEqual({ done: true, value: undefined });
    const fresh = fut[Symbol.iterator]();
    expect(fresh).not.toBe(it);
    const again = fresh.next();
    expect([again.done, again.value === fut]).toEqual([false, true]);
    fut.setResult(5);
    expect(fresh.next()).toEqual({ done: true, value: 5 });
    loop.close();
  });

  it('still gives the result to another task that awaited the future through it', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<string>();
    const cancelledOne = loop.createTask((function* (): Coro<string> {
      return yield* fut;
    })());
    const patient = loop.createTask((function* (): Coro<string> {
      return yield* fut;
    })());
    loop.runUntilComplete(sleep(0));
    // Done and cancelled in one pass: the first task is thrown into, the second resumed.
    fut.setResult('shared');
    cancelledOne.cancel();
    loop.runUntilComplete(sleep(0));
    expect(cancelledOne.cancelled()).toBe(true);
    expect(patient.result()).toBe('shared');
    loop.close();
  });
});
