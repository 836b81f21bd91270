/**
 * wait(): ported from CPython's Lib/test/test_asyncio/test_tasks.py (3.14, BaseTaskTests'
 * test_wait_*), on the virtual clock. CPython's `test_utils.run_briefly(loop)` is
 * `runBriefly(loop)`. Bad arguments raise TypeError or RangeError (CPython: ValueError).
 */
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  Task,
  createTask,
  currentTask,
  ensureFuture,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  wait,
  type Coro,
} from '@yieldio/core';
import { ZeroDivisionError, expectSameMembers, raises, runBriefly, returnValue, expectNoCallbacks } from './fixtures/helpers';

// ---------------------------------------------------------------------------------
// wait
// ---------------------------------------------------------------------------------

describe('wait()', () => {
  test('by default it returns when every future is done', () => {
    const loop = newVirtualEventLoop();
    const a = loop.createTask(sleep(0.1));
    const b = loop.createTask(sleep(0.15));
    function* foo(): Coro<number> {
      const [done, pending] = yield* wait([b, a]);
      expectSameMembers(done, [a, b]);
      expectSameMembers(pending, []);
      return 42;
    }
    expect(loop.runUntilComplete(foo())).toBe(42);
    expect(loop.time()).toBe(0.15);
    // Doing it again takes no time and takes the path where all are done already.
    expect(loop.runUntilComplete(foo())).toBe(42);
    expect(loop.time()).toBe(0.15);
    loop.close();
  });

  test('the same task passed twice counts once', () => {
    simulate(
      (function* (): Coro<void> {
        const c = createTask(returnValue('test'));
        const [done, pending] = yield* wait([c, c, createTask(returnValue('spam'))]);
        expect(pending.size).toBe(0);
        expect(new Set([...done].map((f) => f.result()))).toEqual(new Set(['test', 'spam']));
      })(),
    );
  });

  test('FIRST_COMPLETED returns as soon as one is done, and leaves the rest running', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(10));
        const b = createTask(sleep(0.1));
        const [done, pending] = yield* wait([b, a], { returnWhen: FIRST_COMPLETED });
        expectSameMembers(done, [b]);
        expectSameMembers(pending, [a]);
        expect(a.done()).toBe(false);
        expect(b.result()).toBeUndefined();
        expect(getRunningLoop().time()).toBe(0.1);
        a.cancel();
      })(),
    );
  });

  test('FIRST_COMPLETED reports every future that is done by the time the caller wakes', () => {
    // test_wait_really_done: b finishes in the pass between a's completion and the wake-up.
    simulate(
      (function* (): Coro<void> {
        function* coro1(): Coro<void> {
          yield* sleep(0);
        }
        function* coro2(): Coro<void> {
          yield* sleep(0);
          yield* sleep(0);
        }
        const a = createTask(coro1());
        const b = createTask(coro2());
        const [done, pending] = yield* wait([b, a], { returnWhen: FIRST_COMPLETED });
        expectSameMembers(done, [a, b]);
        expect(pending.size).toBe(0);
      })(),
    );
  });

  test('FIRST_EXCEPTION returns at once for a task that has already failed', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(10));
        const b = createTask(
          (function* (): Coro<void> {
            throw new ZeroDivisionError('err');
          })(),
        );
        const [done, pending] = yield* wait([b, a], { returnWhen: FIRST_EXCEPTION });
        expectSameMembers(done, [b]);
        expectSameMembers(pending, [a]);
        expect(getRunningLoop().time()).toBe(0);
        a.cancel();
      })(),
    );
  });

  test('FIRST_EXCEPTION returns when a task fails while waiting', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(10));
        const b = createTask(
          (function* (): Coro<void> {
            yield* sleep(0.01);
            throw new ZeroDivisionError('err');
          })(),
        );
        const [done, pending] = yield* wait([b, a], { returnWhen: FIRST_EXCEPTION });
        expectSameMembers(done, [b]);
        expectSameMembers(pending, [a]);
        expect(getRunningLoop().time()).toBe(0.01);
        a.cancel();
      })(),
    );
  });

  test('FIRST_EXCEPTION without any failure waits for all, and a cancel is not an exception', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(0.1));
        const b = createTask(sleep(0.2));
        const c = createTask(sleep(10));
        getRunningLoop().callLater(0.05, () => c.cancel());
        const [done, pending] = yield* wait([a, b, c], { returnWhen: FIRST_EXCEPTION });
        expectSameMembers(done, [a, b, c]);
        expect(pending.size).toBe(0);
        expect(getRunningLoop().time()).toBe(0.2);
      })(),
    );
  });

  test('ALL_COMPLETED includes the failed ones in done, without raising', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(0.1));
        const b = createTask(
          (function* (): Coro<void> {
            yield* sleep(0.15);
            throw new ZeroDivisionError('really');
          })(),
        );
        const [done, pending] = yield* wait([b, a], { returnWhen: ALL_COMPLETED });
        expect(done.size).toBe(2);
        expect(pending.size).toBe(0);
        expectSameMembers([...done].filter((f) => f.exception() !== null), [b]);
        expect(getRunningLoop().time()).toBe(0.15);
      })(),
    );
  });

  test('a timeout returns what is done so far, and cancels nothing', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(0.1));
        const b = createTask(sleep(0.15));
        const [done, pending] = yield* wait([b, a], { timeout: 0.11 });
        expectSameMembers(done, [a]);
        expectSameMembers(pending, [b]);
        expect(getRunningLoop().time()).toBe(0.11);
        expect(b.cancelled()).toBe(false);
        yield* b;
        expect(b.done()).toBe(true);
      })(),
    );
  });

  test('a null or undefined timeout waits as long as it takes', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(1000));
        const [done1] = yield* wait([a], { timeout: null });
        expectSameMembers(done1, [a]);
        const b = createTask(sleep(1000));
        const [done2] = yield* wait([b], { timeout: undefined });
        expectSameMembers(done2, [b]);
        expect(getRunningLoop().time()).toBe(2000);
      })(),
    );
  });

  test('a timeout equal to a completion time counts that completion as done', () => {
    // test_wait_concurrent_complete: a's timer is armed first, so it fires first.
    const loop = newVirtualEventLoop();
    const a = loop.createTask(sleep(0.1));
    const b = loop.createTask(sleep(0.15));
    runBriefly(loop);
    const [done, pending] = loop.runUntilComplete(wait([b, a], { timeout: 0.1 }));
    expectSameMembers(done, [a]);
    expectSameMembers(pending, [b]);
    expect(loop.time()).toBe(0.1);
    loop.runUntilComplete(wait([a, b]));
    loop.close();
  });

  test('a finished wait leaves no timer behind', () => {
    const loop = newVirtualEventLoop();
    const a = loop.createTask(sleep(1));
    loop.runUntilComplete(wait([a], { timeout: 100 }));
    loop.runUntilComplete(sleep(0));
    expect(loop.time()).toBe(1);
    loop.close();
  });

  test('a cancelled wait leaves no callback on the futures and no timer behind', () => {
    const loop = newVirtualEventLoop();
    const a = loop.createTask(sleep(10));
    const waiting = loop.createTask(wait([a], { timeout: 100 }));
    runBriefly(loop);
    waiting.cancel();
    expect(() => loop.runUntilComplete(waiting)).toThrow(CancelledError);
    expectNoCallbacks(a); // white-box, as CPython's _callbacks checks
    a.cancel();
    expect(() => loop.runUntilComplete(a)).toThrow(CancelledError);
    runBriefly(loop);
    expect(loop.time()).toBe(0);
    loop.close();
  });

  test('wait() takes any iterable of tasks, such as an iterator', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(0.1));
        const b = createTask(sleep(0.15));
        const [done, pending] = yield* wait([b, a].values());
        expectSameMembers(done, [a, b]);
        expect(pending.size).toBe(0);
      })(),
    );
  });

  test('wait() refuses a generator object even when it yields tasks: a coroutine is one too', () => {
    // CPython's test_wait_generator passes a generator expression of tasks; here a
    // generator object cannot be told apart from a coroutine, so it is refused, and the
    // message says to pass an array.
    simulate(
      (function* (): Coro<void> {
        const tasks = [createTask(returnValue(1)), createTask(returnValue(2))];
        const generated = (function* () {
          yield* tasks;
        })();
        const exc = yield* raises(() => wait(generated as unknown as Iterable<Task<number>>));
        expect(exc).toEqual(
          new TypeError('wait(): expected an array or set of futures/tasks, got a generator object; for example wait([t1, t2])'),
        );
        const [done] = yield* wait([...tasks]);
        expect(done.size).toBe(2);
      })(),
    );
  });

  test('cancelling the waiting task stops the wait and leaves the tasks running (test_yield_wait_does_not_shield_cancel)', () => {
    const loop = newVirtualEventLoop();
    let proof = 0;
    const waiter = loop.createFuture<void>();
    function* inner(): Coro<void> {
      yield* waiter;
      proof += 1;
    }
    function* outer(): Coro<void> {
      yield* wait([createTask(inner())]);
      proof += 100;
    }
    const f = ensureFuture(outer(), { loop });
    runBriefly(loop);
    f.cancel();
    expect(() => loop.runUntilComplete(f)).toThrow(CancelledError);
    waiter.setResult(undefined);
    runBriefly(loop);
    expect(proof).toBe(1);
    loop.close();
  });

  test('cancelling a task cancels what it waits on, even a task cancelled before it started waiting', () => {
    // test_cancel_awaited_task (bpo-34872): the task cancels itself, then awaits.
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<void>();
    let nested: Task<void> | undefined;
    const task = loop.createTask(
      (function* (): Coro<void> {
        nested = createTask(
          (function* (): Coro<void> {
            yield* fut;
          })(),
        );
        yield* sleep(0);
        currentTask()!.cancel();
        yield* nested;
      })(),
    );
    expect(() => loop.runUntilComplete(task)).toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(nested!.cancelled()).toBe(true);
    expect(fut.cancelled()).toBe(true);
    loop.close();
  });

  test('wait() refuses an empty set, a bad returnWhen and a bad timeout', () => {
    simulate(
      (function* (): Coro<void> {
        const empty = yield* raises(() => wait([]));
        expect(empty).toEqual(new RangeError('wait(): the set of futures is empty; pass at least one future or task'));
        expect(empty).toBeInstanceOf(RangeError);
        const t = createTask(sleep(0));
        const when = yield* raises(() => wait([t], { returnWhen: -1 as unknown as typeof ALL_COMPLETED }));
        expect(when).toEqual(
          new RangeError('wait(): returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got -1 (a number)'),
        );
        const time = yield* raises(() => wait([t], { timeout: '1' as unknown as number }));
        expect(time).toEqual(new TypeError('wait(): timeout must be a number of seconds or null, got "1" (a string)'));
        yield* t;
      })(),
    );
  });

  test('wait() refuses a single future, a coroutine, and coroutines in the list', () => {
    simulate(
      (function* (): Coro<void> {
        const fut = getRunningLoop().createFuture();
        const single = yield* raises(() => wait(fut as unknown as Future<unknown>[]));
        expect(single).toEqual(
          new TypeError('wait(): expected an array or set of futures/tasks, got <Future pending>; for example wait([t1, t2])'),
        );
        const coro = yield* raises(() => wait(sleep(0) as unknown as Future<unknown>[]));
        expect(coro).toEqual(
          new TypeError('wait(): expected an array or set of futures/tasks, got a generator object; for example wait([t1, t2])'),
        );
        const coros = yield* raises(() => wait([sleep(0)] as unknown as Future<unknown>[]));
        expect(coros).toEqual(new TypeError('wait(): passing coroutines is forbidden; wrap each in a task first: createTask(coro)'));
        const numbers = yield* raises(() => wait([1] as unknown as Future<unknown>[]));
        expect(numbers).toEqual(new TypeError('wait(): expected futures or tasks, got 1 (a number)'));
      })(),
    );
  });
});
