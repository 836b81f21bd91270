/**
 * waitFor(): ported from CPython's Lib/test/test_asyncio/test_waitfor.py, with the 3.12
 * semantics (wait_for is `timeout()` around a plain await), on the virtual clock.
 *
 * The `SlowTask` of the CPython file ignores cancellation until its own deadline; here it
 * measures virtual time with `loop.time()` instead of `time.monotonic()`.
 */
import {
  CancelledError,
  InvalidStateError,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coro,
  type Future,
  type Task,
} from '@yieldio/core';
import { MyError, SlowTask, raises } from './fixtures/helpers';


describe('waitFor() and an awaitable that ignores cancellation', () => {
  test('an expired waitFor waits until the inner task has really exited', () => {
    simulate(
      (function* (): Coro<void> {
        const slow = new SlowTask();
        // The inner task swallows the cancel and returns normally: 3.12 lets that result
        // stand rather than raise TimeoutError.
        const value = yield* waitFor(slow.run(), SlowTask.TASK_TIMEOUT / 2);
        expect(value).toBeUndefined();
        expect(slow.exited).toBe(true);
        expect(getRunningLoop().time()).toBeCloseTo(SlowTask.TASK_TIMEOUT, 9);
      })(),
    );
  });
});

describe('waitFor() with a timeout <= 0', () => {
  test('a future that is already done gives its result at once', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const fut = loop.createFuture<string>();
        fut.setResult('done');
        const ret = yield* waitFor(fut, 0);
        expect(ret).toBe('done');
        expect(fut.done()).toBe(true);
        expect(loop.time()).toBe(0);
      })(),
    );
  });

  test('a future that already failed raises its error at once', () => {
    simulate(
      (function* (): Coro<void> {
        const fut = getRunningLoop().createFuture<string>();
        const error = new MyError('failed already');
        fut.setException(error);
        expect(yield* raises(() => waitFor(fut, 0))).toBe(error);
      })(),
    );
  });

  test('a coroutine is never started', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        let started = false;
        function* foo(): Coro<void> {
          started = true;
        }
        const exc = yield* raises(() => waitFor(foo(), 0));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect((exc as Error).message).toBe('waitFor(): timed out');
        expect((exc as TimeoutError).cause).toBeInstanceOf(CancelledError);
        expect(started).toBe(false);
        expect(loop.time()).toBe(0);
      })(),
    );
  });

  test.each([0, -1])('a running task is cancelled and waited for (timeout %p)', (delay) => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        let running: boolean | null = null;
        const started = loop.createFuture<void>();
        function* foo(): Coro<string> {
          running = true;
          started.setResult(undefined);
          try {
            yield* sleep(10);
          } finally {
            running = false;
          }
          return 'done';
        }
        const fut = createTask(foo());
        yield* started;
        const exc = yield* raises(() => waitFor(fut, delay));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(fut.done()).toBe(true);
        expect(fut.cancelled()).toBe(true);
        expect(running).toBe(false);
        expect(loop.time()).toBe(0);
      })(),
    );
  });

  test('waitFor waits for a task that takes time to handle its cancellation', () => {
    simulate(
      (function* (): Coro<void> {
        let taskDone = false;
        function* inner(): Coro<void> {
          try {
            yield* sleep(10);
          } catch (exc) {
            yield* sleep(0.0001);
            throw exc;
          } finally {
            taskDone = true;
          }
        }
        const innerTask = createTask(inner());
        yield* sleep(0.0001);
        const exc = yield* raises(() => waitFor(innerTask, 0));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect((exc as TimeoutError).cause).toBeInstanceOf(CancelledError);
        expect(taskDone).toBe(true);
      })(),
    );
  });

  test('a task that catches the cancellation and returns gives its result', () => {
    simulate(
      (function* (): Coro<void> {
        const task = createTask(
          (function* (): Coro<number> {
            try {
              yield* sleep(10);
            } catch {
              return 42;
            }
            return 0;
          })(),
        );
        yield* sleep(0);
        expect(yield* waitFor(task, 0)).toBe(42);
      })(),
    );
  });
});

describe('waitFor() with a positive timeout', () => {
  test('a task that outlives the timeout is cancelled and TimeoutError is raised', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        let running: boolean | null = null;
        function* foo(): Coro<string> {
          running = true;
          try {
            yield* sleep(10);
          } finally {
            running = false;
          }
          return 'done';
        }
        const fut = createTask(foo());
        const exc = yield* raises(() => waitFor(fut, 0.1));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect((exc as Error).message).toBe('timeout expired');
        expect(fut.done()).toBe(true);
        expect(fut.cancelled()).toBe(true);
        expect(loop.time()).toBe(0.1);
        expect(running).toBe(false);
      })(),
    );
  });

  test('a null timeout waits as long as it takes', () => {
    simulate(
      (function* (): Coro<void> {
        function* coro(): Coro<string> {
          yield* sleep(1000);
          return 'done';
        }
        expect(yield* waitFor(coro(), null)).toBe('done');
        expect(getRunningLoop().time()).toBe(1000);
      })(),
    );
  });

  test('an undefined timeout is a null one, as Python\'s None', () => {
    simulate(
      (function* (): Coro<void> {
        expect(yield* waitFor(sleep(1000, 'late'), undefined as unknown as null)).toBe('late');
      })(),
    );
  });

  test('a future completed before the deadline gives its result', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const fut = loop.createFuture<string>();
        loop.callLater(0.1, () => fut.setResult('ok'));
        expect(yield* waitFor(fut, 0.2)).toBe('ok');
        expect(loop.time()).toBe(0.1);
      })(),
    );
  });

  test('a plain future that outlives the timeout is cancelled', () => {
    simulate(
      (function* (): Coro<void> {
        const fut: Future<string> = getRunningLoop().createFuture<string>();
        const exc = yield* raises(() => waitFor(fut, 0.5));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(fut.cancelled()).toBe(true);
      })(),
    );
  });

  test('an error of the awaitable passes through unchanged', () => {
    simulate(
      (function* (): Coro<void> {
        const error = new MyError('inner');
        function* fail(): Coro<void> {
          yield* sleep(0.1);
          throw error;
        }
        expect(yield* raises(() => waitFor(fail(), 1))).toBe(error);
      })(),
    );
  });

  test('an inner coroutine that catches the cancellation and returns gives its result', () => {
    // test_wait_for_cancellation_race_condition (3.12: the result is not lost).
    simulate(
      (function* (): Coro<void> {
        function* inner(): Coro<number> {
          const exc = yield* raises(() => sleep(1));
          expect(exc).toBeInstanceOf(CancelledError);
          return 1;
        }
        expect(yield* waitFor(inner(), 0.01)).toBe(1);
      })(),
    );
  });

  test('an inner coroutine that returns instead of raising on cancel gives its result (gh-84849)', () => {
    simulate(
      (function* (): Coro<void> {
        function* return42(): Coro<number> {
          try {
            yield* sleep(10);
          } catch (exc) {
            if (exc instanceof CancelledError) return 42;
            throw exc;
          }
          return 0;
        }
        expect(yield* waitFor(return42(), 0.1)).toBe(42);
      })(),
    );
  });

  test('waitFor waits for the cancelled task to finish before raising TimeoutError', () => {
    simulate(
      (function* (): Coro<void> {
        let taskDone = false;
        function* inner(): Coro<void> {
          try {
            yield* sleep(10);
          } catch (exc) {
            yield* sleep(0.0001);
            throw exc;
          } finally {
            taskDone = true;
          }
        }
        const innerTask = createTask(inner());
        const exc = yield* raises(() => waitFor(innerTask, 0.0001));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect((exc as TimeoutError).cause).toBeInstanceOf(CancelledError);
        expect(taskDone).toBe(true);
        expect(getRunningLoop().time()).toBeCloseTo(0.0002, 12);
      })(),
    );
  });

  test('an error raised by the task while it is being cancelled is raised by waitFor', () => {
    simulate(
      (function* (): Coro<void> {
        function* inner(): Coro<void> {
          try {
            yield* sleep(0.2);
          } finally {
            throw new MyError('during cancellation');
          }
        }
        const innerTask = createTask(inner());
        const exc = yield* raises(() => waitFor(innerTask, 0.0001));
        expect(exc).toBeInstanceOf(MyError);
      })(),
    );
  });

  test('waitFor can be cancelled while the inner task holds up its own cancellation', () => {
    // test_wait_for_self_cancellation: the waitFor task is cancelled before it starts; the
    // inner task keeps catching cancels and finally returns 42 on its own.
    simulate(
      (function* (): Coro<void> {
        function* inner(): Coro<number> {
          try {
            yield* sleep(0.3);
          } catch {
            try {
              yield* sleep(0.3);
            } catch {
              yield* sleep(0.3);
            }
          }
          return 42;
        }
        const innerTask = createTask(inner());
        const waiting = createTask(waitFor(innerTask, 0.1));
        waiting.cancel();
        const exc = yield* raises(() => waiting);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(yield* innerTask).toBe(42);
      })(),
    );
  });

  test.each([null, 60])('cancelling waitFor cancels the task it waits for (timeout %p, bpo-23219)', (delay) => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        function* blocking(): Coro<void> {
          yield* loop.createFuture<void>();
        }
        const task = createTask(blocking());
        const waiting = createTask(waitFor(task, delay));
        loop.callSoon(() => waiting.cancel());
        const exc = yield* raises(() => waiting);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(task.cancelled()).toBe(true);
      })(),
    );
  });

  test('a cancel right after waitFor returned is not lost (gh-86296)', () => {
    simulate(
      (function* (): Coro<void> {
        let reachedEnd = false;
        function* inner(): Coro<void> {}
        function* waitForCoro(): Coro<void> {
          yield* waitFor(inner(), 100);
          yield* sleep(1);
          reachedEnd = true;
        }
        const task = createTask(waitForCoro());
        yield* sleep(0);
        expect(task.done()).toBe(false);
        task.cancel();
        const exc = yield* raises(() => task);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(reachedEnd).toBe(false);
      })(),
    );
  });

  test('a future or task that is done already is returned without waiting a pass', () => {
    // 3.12: `async with timeout(t): return await fut` does not suspend on a done future.
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const fut = loop.createFuture<number>();
        fut.setResult(3);
        const task = createTask(sleep(0, 9));
        yield* sleep(0);
        yield* sleep(0);
        expect(task.done()).toBe(true);
        let passed = false;
        loop.callSoon(() => (passed = true));
        expect(yield* waitFor(fut, 5)).toBe(3);
        expect(yield* waitFor(task, 5)).toBe(9);
        expect(passed).toBe(false);
      })(),
    );
  });

  test('a finished waitFor leaves no timer behind', () => {
    const loop = newVirtualEventLoop();
    expect(
      loop.runUntilComplete(
        (function* (): Coro<string> {
          return yield* waitFor(sleep(1, 'early'), 100);
        })(),
      ),
    ).toBe('early');
    loop.runUntilComplete(sleep(0));
    expect(loop.time()).toBe(1);
    loop.close();
  });
});

describe('waitFor() never swallows an outer cancellation', () => {
  test('an outside cancel in the same pass as the expiry propagates as CancelledError', () => {
    // Scenario, at virtual time 1 and in one pass: a callback cancels the task that
    // runs waitFor, and waitFor's own deadline passes. The awaited task is cancelled
    // once, waited for, and the caller sees CancelledError, not TimeoutError.
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const inner = createTask(sleep(10));
        const outer = createTask(waitFor(inner, 1));
        loop.callAt(1, () => outer.cancel());
        const exc = yield* raises(() => outer);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(inner.cancelled()).toBe(true);
        expect(loop.time()).toBe(1);
      })(),
    );
  });

  test('a waitFor inside an outer timeout: the earlier deadline decides which error', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const outer = yield* raises(() =>
          timeout(0.5, function* () {
            yield* waitFor(sleep(10), 5);
          }),
        );
        expect(outer).toBeInstanceOf(TimeoutError);
        expect(loop.time()).toBe(0.5);
        const inner = yield* raises(() =>
          timeout(5, function* () {
            yield* waitFor(sleep(10), 0.5);
          }),
        );
        expect(inner).toBeInstanceOf(TimeoutError);
        expect(loop.time()).toBe(1);
        expect(currentTask()!.cancelling()).toBe(0);
      })(),
    );
  });

  test('a task cancelled while in waitFor is left with one cancel request, its caller\'s', () => {
    simulate(
      (function* (): Coro<void> {
        const worker = createTask(
          (function* (): Coro<number> {
            try {
              yield* waitFor(sleep(10), 5);
            } catch (exc) {
              if (!(exc instanceof CancelledError)) throw exc;
            }
            return currentTask()!.cancelling();
          })(),
        );
        yield* sleep(1);
        worker.cancel();
        expect(yield* worker).toBe(1);
      })(),
    );
  });
});

describe('waitFor() bad input', () => {
  test('a timeout that is not a number is refused', () => {
    simulate(
      (function* (): Coro<void> {
        const exc = yield* raises(() => waitFor(sleep(0), '1' as unknown as number));
        expect(exc).toEqual(new TypeError('waitFor(): timeout must be a number of seconds or null, got "1" (a string)'));
        const nan = yield* raises(() => waitFor(sleep(0), NaN));
        expect(nan).toBeInstanceOf(RangeError);
        expect((nan as Error).message).toBe('waitFor(): timeout must be a number of seconds or null, got NaN');
      })(),
    );
  });

  test('something that is not awaitable is refused, with what to pass instead', () => {
    simulate(
      (function* (): Coro<void> {
        function* main(): Coro<void> {}
        const num = yield* raises(() => waitFor(123 as unknown as Coro<void>, 1));
        expect(num).toEqual(new TypeError('waitFor(): expected a future, a task or a coroutine, got 123 (a number)'));
        const fn = yield* raises(() => waitFor(main as unknown as Coro<void>, 1));
        expect(fn).toEqual(
          new TypeError('waitFor(): expected a future, a task or a coroutine, got generator function main; call it to get a coroutine: main()'),
        );
        const promise = yield* raises(() => waitFor(Promise.resolve(1) as unknown as Coro<number>, 1));
        expect(promise).toEqual(
          new TypeError('waitFor(): expected a future, a task or a coroutine, got a Promise; wrap it in a future: wrapPromise(promise)'),
        );
      })(),
    );
  });

  test('waitFor() outside a running loop says where to call it from', () => {
    function* coro(): Coro<void> {}
    expect(() => waitFor(coro(), 1).next()).toThrow(
      new InvalidStateError(
        'waitFor(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });
});

describe('waitFor() awaits a coroutine in the calling task (3.12 `async with timeout(): return await fut`)', () => {
  // CPython 3.12+: wait_for(coro, timeout > 0 or None) awaits the coroutine directly in
  // the caller's task. The bug: we wrapped it in a new task (ensure-future.ts toFuture), so it
  // started a pass later, ran as another task, and could be cancelled before it ran.
  test('cancelling waitFor waits until the inner coroutine has really exited (test_asyncio_wait_for_cancelled)', () => {
    simulate(
      (function* (): Coro<void> {
        const slow = new SlowTask();
        const waiting = createTask(waitFor(slow.run(), SlowTask.TASK_TIMEOUT * 2));
        yield* sleep(0);
        waiting.cancel();
        yield* wait([waiting]);
        expect(slow.exited).toBe(true);
        expect(getRunningLoop().time()).toBeCloseTo(SlowTask.TASK_TIMEOUT, 9);
      })(),
    );
  });

  test('the coroutine given to waitFor runs as the calling task', () => {
    simulate(
      (function* (): Coro<void> {
        function* whoRunsMe(): Coro<Task<unknown> | null> {
          return currentTask();
        }
        const me = currentTask()!;
        const runner = yield* waitFor(whoRunsMe(), 1);
        expect(runner?.getName()).toBe(me.getName());
      })(),
    );
  });
});
