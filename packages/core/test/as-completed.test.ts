/**
 * asCompleted(): ported from CPython's Lib/test/test_asyncio/test_tasks.py (3.14,
 * test_as_completed_*), on the virtual clock; and the races when a waiter's task is
 * cancelled in the same pass as the completion or the timeout meant for it (#18 defect
 * 1). CPython 3.11+ hands the completion to the next waiter; yieldio once called
 * setResult on the cancelled waiter, reported InvalidStateError, dropped the completion
 * and left the next waiter hanging.
 */
import {
  CancelledError,
  TimeoutError,
  asCompleted,
  createTask,
  getRunningLoop,
  simulate,
  sleep,
  Future,
  InvalidStateError,
  Task,
  anext,
  ensureFuture,
  newVirtualEventLoop,
  run,
  setEventLoop,
  wait,
} from '@yieldio/core';
import type { Coro, ExceptionContext } from '@yieldio/core';
import { MyError, raises, returnValue } from './fixtures/helpers';

function* settle(task: Coro<unknown> | ReturnType<typeof createTask>): Coro<string> {
  try {
    yield* task as Coro<unknown>;
    return 'finished';
  } catch (exc) {
    return (exc as Error).name;
  }
}

/** Run `main` on the virtual clock, failing on anything the loop reports. */
function simulateQuietly<T>(main: () => Coro<T>): T {
  const reports: ExceptionContext[] = [];
  const result = simulate(
    (function* () {
      getRunningLoop().setExceptionHandler((_loop, ctx) => void reports.push(ctx));
      return yield* main();
    })(),
  );
  expect(reports.map((r) => r.message)).toEqual([]);
  return result;
}

describe('asCompleted() and cancellation in the same pass', () => {
  // Scenario: task a waits on next(); one callback completes f1 and cancels a. The done
  // callback that hands f1 out runs after a's waiter is cancelled: f1 must wait for the
  // next caller.
  it('a completion meant for a waiter cancelled in the same callback goes to the next caller', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const f2 = loop.createFuture<string>();
      const it = asCompleted([f1, f2]);
      const a = createTask(it.next().value!);
      yield* sleep(0);
      loop.callLater(1, () => {
        f1.setResult('f1');
        a.cancel();
      });
      const aOutcome = yield* settle(a);
      return [aOutcome, yield* it.next().value!];
    });
    expect(result).toEqual(['CancelledError', 'f1']);
  });

  // Scenario: the same, completion first in the other order: a is cancelled, then f1
  // completes, both in one callback.
  it('a cancel then a completion in one callback loses nothing either', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const it = asCompleted([f1, loop.createFuture<string>()]);
      const a = createTask(it.next().value!);
      const b = createTask(it.next().value!);
      yield* sleep(0);
      loop.callLater(1, () => {
        a.cancel();
        f1.setResult('f1');
      });
      return [yield* settle(a), yield* b];
    });
    expect(result).toEqual(['CancelledError', 'f1']);
  });

  // Scenario: a is handed f1 (its waiter has the result) and is cancelled before it
  // resumes. a's cleanup must pass f1 to b, which is already waiting.
  it('a waiter handed a completion and then cancelled passes it to the next waiter', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<string>();
      const it = asCompleted([f1, loop.createFuture<string>()]);
      const a = createTask(it.next().value!);
      const b = createTask(it.next().value!);
      yield* sleep(0);
      // Registered after asCompleted's own callback, so it runs right after the hand-out.
      f1.addDoneCallback(() => a.cancel());
      loop.callLater(1, () => f1.setResult('f1'));
      return [yield* settle(a), yield* b, loop.time()];
    });
    expect(result).toEqual(['CancelledError', 'f1', 1]);
  });

  // Scenario: with timeout 1, a is cancelled by a timer due at t=1 scheduled before
  // asCompleted's own; the timeout then finds a's waiter cancelled and must still reach b.
  it('the timeout still reaches the second waiter when the first is cancelled at that instant', () => {
    const result = simulateQuietly(function* () {
      const loop = getRunningLoop();
      let a: ReturnType<typeof createTask> | null = null;
      loop.callAt(1, () => a!.cancel());
      const it = asCompleted([loop.createFuture<string>(), loop.createFuture<string>()], { timeout: 1 });
      a = createTask(it.next().value!);
      const b = createTask(it.next().value!);
      const outcomes = [yield* settle(a), yield* settle(b)];
      return [...outcomes, loop.time()];
    });
    expect(result).toEqual([CancelledError.name, TimeoutError.name, 1]);
  });
});

// ---------------------------------------------------------------------------------
// asCompleted
// ---------------------------------------------------------------------------------

function* sleeper<T>(delay: number, value: T): Coro<T> {
  yield* sleep(delay);
  return value;
}

describe('asCompleted()', () => {
  test('the coroutines it hands out give the results in completion order', () => {
    simulate(
      (function* (): Coro<void> {
        const values: string[] = [];
        for (const next of asCompleted([sleeper(0.01, 'b'), sleeper(0.15, 'c'), sleeper(0.01, 'a')])) {
          values.push(yield* next);
        }
        expect(new Set(values.slice(0, 2))).toEqual(new Set(['a', 'b']));
        expect(values[2]).toBe('c');
        expect(getRunningLoop().time()).toBe(0.15);
      })(),
    );
  });

  test('aiter() gives the original futures in completion order, and tasks for coroutines', () => {
    simulate(
      (function* (): Coro<void> {
        const taskB = createTask(returnValue('b'));
        const taskD = createTask(returnValue('d'));
        const coroA = returnValue('a');
        const coroC = returnValue('c');
        const out = new Set<unknown>();
        const it = asCompleted<Coro<string> | Task<string>>([coroA, taskB, coroC, taskD]).aiter();
        for (let fut; (fut = yield* anext(it, null)) !== null; ) out.add(fut);
        expect(out.size).toBe(4);
        expect(out.has(taskB) && out.has(taskD)).toBe(true);
        expect(out.has(coroA) || out.has(coroC)).toBe(false);
        expect([...out].every((f) => f instanceof Task)).toBe(true);
      })(),
    );
  });

  test('with a timeout, what has not completed by then raises TimeoutError', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(0.1, 'a'));
        const b = createTask(sleep(0.15, 'b'));
        const values: Array<[number, unknown]> = [];
        for (const next of asCompleted([a, b], { timeout: 0.12 })) {
          try {
            values.push([1, yield* next]);
          } catch (exc) {
            values.push([2, exc]);
          }
        }
        expect(values).toHaveLength(2);
        expect(values[0]).toEqual([1, 'a']);
        expect(values[1][0]).toBe(2);
        expect(values[1][1]).toBeInstanceOf(TimeoutError);
        expect((values[1][1] as Error).message).toBe('asCompleted(): timed out');
        expect(getRunningLoop().time()).toBe(0.12);
        expect(b.cancelled()).toBe(false);
      })(),
    );
  });

  test('with a timeout, aiter() raises TimeoutError from anext()', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(0.1, 'a'));
        const b = createTask(sleep(0.15, 'b'));
        const values: unknown[] = [];
        const it = asCompleted([a, b], { timeout: 0.12 }).aiter();
        const exc = yield* raises(function* () {
          for (let fut; (fut = yield* anext(it, null)) !== null; ) values.push(fut.result());
        });
        expect(values).toEqual(['a']);
        expect(exc).toBeInstanceOf(TimeoutError);
      })(),
    );
  });

  test('a timeout that is never reached changes nothing and leaves no timer behind', () => {
    const loop = newVirtualEventLoop();
    loop.runUntilComplete(
      (function* (): Coro<void> {
        for (const next of asCompleted([sleep(0.01, 'a')], { timeout: 1 })) {
          expect(yield* next).toBe('a');
        }
      })(),
    );
    loop.runUntilComplete(sleep(0));
    expect(loop.time()).toBe(0.01);
    loop.close();
  });

  test('the iterator can be left and resumed where it stopped', () => {
    simulate(
      (function* (): Coro<void> {
        const iterator = asCompleted([0, 1, 2, 3].map((i) => returnValue(i)));
        const collected: number[] = [];
        let iterations = 0;
        for (const next of iterator) {
          collected.push(yield* next);
          if (++iterations === 2) break;
        }
        expect(collected).toHaveLength(2);
        for (const next of iterator) collected.push(yield* next);
        expect(collected.sort()).toEqual([0, 1, 2, 3]);
      })(),
    );
  });

  test('the first coroutine awaited gets the first completion, whichever it is', () => {
    // test_as_completed_reverse_wait.
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const futs = [...asCompleted([sleep(0.05, 'a'), sleep(0.1, 'b')])];
        expect(futs).toHaveLength(2);
        expect(yield* futs[1]).toBe('a');
        expect(loop.time()).toBe(0.05);
        expect(yield* futs[0]).toBe('b');
        expect(loop.time()).toBe(0.1);
      })(),
    );
  });

  test('the coroutines it hands out can be awaited concurrently', () => {
    simulate(
      (function* (): Coro<void> {
        const futs = [...asCompleted([sleep(0.05, 'a'), sleep(0.05, 'b')])];
        expect(futs).toHaveLength(2);
        const [done] = yield* wait(futs.map((f) => ensureFuture(f)));
        expect(new Set([...done].map((f) => f.result()))).toEqual(new Set(['a', 'b']));
      })(),
    );
  });

  test('the same coroutine passed twice counts once', () => {
    simulate(
      (function* (): Coro<void> {
        const c = returnValue('ham');
        const result: string[] = [];
        for (const next of asCompleted([c, c, returnValue('spam')])) result.push(yield* next);
        expect(result).toHaveLength(2);
        expect(new Set(result)).toEqual(new Set(['ham', 'spam']));
      })(),
    );
  });

  test('an error of an awaitable is raised by the coroutine for its completion', () => {
    simulate(
      (function* (): Coro<void> {
        function* fail(): Coro<string> {
          yield* sleep(0.1);
          throw new MyError('late');
        }
        const results: unknown[] = [];
        for (const next of asCompleted([fail(), sleep(0.05, 'ok')])) {
          try {
            results.push(yield* next);
          } catch (exc) {
            results.push((exc as Error).message);
          }
        }
        expect(results).toEqual(['ok', 'late']);
      })(),
    );
  });

  test('a cancelled wait for the next completion gives up its place, and loses no completion', () => {
    // Scenario: the first coroutine is awaited by a task that is cancelled at 0.5, before
    // anything completed; the second coroutine must then get the first completion.
    simulate(
      (function* (): Coro<void> {
        const [c1, c2] = [...asCompleted([sleep(1, 'x'), sleep(2, 'y')])];
        const waiter = createTask(c1);
        yield* sleep(0.5);
        waiter.cancel();
        expect(yield* raises(() => waiter)).toBeInstanceOf(CancelledError);
        expect(yield* c2).toBe('x');
        expect(getRunningLoop().time()).toBe(1);
      })(),
    );
  });

  test('a wait cancelled in the pass its completion was handed to it puts the completion back', () => {
    // Scenario, in one pass: x completes and asCompleted hands x to the waiting task
    // (its wake-up is queued); the next done callback of x, registered later, cancels
    // that task. The task wakes with CancelledError instead of x; x must go to the next
    // coroutine, not be dropped.
    simulate(
      (function* (): Coro<void> {
        const x = createTask(sleep(1, 'x'));
        const [c1, c2] = [...asCompleted([x, sleep(2, 'y')])];
        const waiter = createTask(c1);
        let handedOut: boolean | undefined;
        x.addDoneCallback(() => {
          handedOut = waiter._futWaiter?.done(); // white-box: x is in the waiter's future
          waiter.cancel();
        });
        expect(yield* raises(() => waiter)).toBeInstanceOf(CancelledError);
        expect(handedOut).toBe(true);
        expect(yield* c2).toBe('x');
        expect(getRunningLoop().time()).toBe(1);
      })(),
    );
  });

  test('asCompleted() refuses a single future or a coroutine', () => {
    simulate(
      (function* (): Coro<void> {
        const fut = getRunningLoop().createFuture();
        expect(() => asCompleted(fut as unknown as Future<unknown>[])).toThrow(
          new TypeError('asCompleted(): expected an array or set of awaitables, got <Future pending>'),
        );
        expect(() => asCompleted(sleep(0) as unknown as Coro<unknown>[])).toThrow(
          new TypeError('asCompleted(): expected an array or set of awaitables, got a generator object'),
        );
        expect(() => asCompleted([sleep(0)], { timeout: NaN })).toThrow(
          new RangeError('asCompleted(): timeout must be a number of seconds or null, got NaN'),
        );
        yield* sleep(0);
      })(),
    );
  });

  test('coroutines outside any loop are refused, with where to call asCompleted from', () => {
    const a = returnValue(42);
    expect(() => asCompleted([a])).toThrow(
      new InvalidStateError(
        'asCompleted(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('coroutines become tasks of the running loop', () => {
    const loop = newVirtualEventLoop();
    const result = loop.runUntilComplete(
      (function* (): Coro<number> {
        const futs = [...asCompleted([returnValue(42)])];
        expect(futs).toHaveLength(1);
        return yield* futs[0];
      })(),
    );
    expect(result).toBe(42);
    loop.close();
  });
});

describe('asCompleted() after its timeout (3.13 _AsCompletedIterator._handle_timeout)', () => {
  // CPython: when the timeout passes, every awaitable not yet completed is dropped (its
  // done callback removed) and a sentinel is queued for it, so each remaining step raises
  // TimeoutError even if the awaitable completes later. The bug: we still handed out a
  // future that completed after the timeout, if nobody was waiting at that moment.
  test('a completion after the timeout is not handed out', () => {
    const out = simulate(
      (function* (): Coro<unknown[]> {
        const a = createTask(sleep(0.1, 'a'));
        const b = createTask(sleep(0.15, 'b'));
        const results: unknown[] = [];
        for (const next of asCompleted([a, b], { timeout: 0.12 })) {
          try {
            results.push(yield* next);
          } catch (exc) {
            results.push((exc as Error).name);
          }
          yield* sleep(1);
        }
        return results;
      })(),
    );
    expect(out).toEqual(['a', 'TimeoutError']);
  });
});
