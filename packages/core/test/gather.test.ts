/**
 * gather, wait, asCompleted, shield, sleep, ensureFuture and wrapPromise: ported from the
 * sections of CPython's Lib/test/test_asyncio/test_tasks.py (3.14) on those functions
 * (BaseTaskTests, GatherTestsBase, FutureGatherTests, CoroutineGatherTests, SleepTests),
 * on the virtual clock. CPython's `test_utils.run_briefly(loop)` is `runBriefly(loop)`.
 *
 * Differences from CPython that these tests pin on purpose: bad arguments raise
 * TypeError or RangeError (CPython: ValueError for a wrong value), and a Promise is not
 * an awaitable here: it has to cross into futures through wrapPromise().
 */
import {
  ALL_COMPLETED,
  CancelledError,
  DeadlockError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  GatheringFuture,
  InvalidStateError,
  Task,
  TimeoutError,
  anext,
  asCompleted,
  createTask,
  currentTask,
  eagerTaskFactory,
  ensureFuture,
  gather,
  getRunningLoop,
  newVirtualEventLoop,
  run,
  setEventLoop,
  shield,
  simulate,
  sleep,
  wait,
  wrapPromise,
  type Coro,
  type EventLoop,
  type ExceptionContext,
  type VirtualHost,
} from '@yieldio/core';
import { MyError, ZeroDivisionError, expectSameMembers, futureOf, raises, runBriefly, runUntilIdle } from './fixtures/helpers';

/** A virtual loop whose exception handler records each report; closed after the test. */
function recordingLoop(): { loop: EventLoop<VirtualHost>; reports: ExceptionContext[] } {
  const loop = newVirtualEventLoop();
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_, context) => reports.push(context));
  return { loop, reports };
}

/** White-box: the future holds no done callback (null or an empty list, never absent). */
function expectNoCallbacks(fut: Future<unknown>): void {
  const callbacks = fut._callbacks;
  expect(callbacks === null || (Array.isArray(callbacks) && callbacks.length === 0)).toBe(true);
}

function* returnValue<T>(value: T): Coro<T> {
  return value;
}

// ---------------------------------------------------------------------------------
// gather
// ---------------------------------------------------------------------------------

type Wrap = (loop: EventLoop<VirtualHost>, futures: Future<unknown>[]) => Array<Future<unknown> | Coro<unknown>>;

const WRAPS: ReadonlyArray<[string, Wrap]> = [
  ['futures', (_loop, futures) => futures],
  [
    'coroutines',
    (_loop, futures) =>
      futures.map((fut) =>
        (function* (): Coro<unknown> {
          return yield* fut;
        })(),
      ),
  ],
];

/** gather() called as CPython's GatherTestsBase does: inside the loop for coroutines. */
function gatherOn(
  loop: EventLoop<VirtualHost>,
  aws: Array<Future<unknown> | Coro<unknown>>,
  options?: { returnExceptions?: boolean },
): GatheringFuture<unknown[]> {
  return loop.runUntilComplete(
    (function* (): Coro<GatheringFuture<unknown[]>> {
      return options === undefined ? gather(...aws) : gather(aws, options);
    })(),
  );
}

describe.each(WRAPS)('gather() of %s', (_, wrap) => {
  test.each([undefined, { returnExceptions: false }, { returnExceptions: true }])(
    'the results come in argument order once every child is done (%p)',
    (options) => {
      const loop = newVirtualEventLoop();
      const [a, b, c] = [futureOf<number>(loop), futureOf<number>(loop), futureOf<number>(loop)];
      const fut = gatherOn(loop, wrap(loop, [a, b, c]), options);
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      b.setResult(1);
      a.setResult(2);
      runUntilIdle(loop);
      expect(calls).toEqual([]);
      expect(fut.done()).toBe(false);
      c.setResult(3);
      runUntilIdle(loop);
      expectSameMembers(calls, [fut]);
      expect(fut.result()).toEqual([2, 1, 3]);
      loop.close();
    },
  );

  test('the first error becomes the gather error, and later outcomes change nothing', () => {
    const { loop, reports } = recordingLoop();
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => futureOf<number>(loop));
    const fut = gatherOn(loop, wrap(loop, [a, b, c, d, e]));
    const calls: unknown[] = [];
    fut.addDoneCallback((f) => calls.push(f));
    const exc = new ZeroDivisionError();
    a.setResult(1);
    b.setException(exc);
    runUntilIdle(loop);
    expect(fut.done()).toBe(true);
    expectSameMembers(calls, [fut]);
    expect(fut.exception()).toBe(exc);
    // Does nothing:
    c.setResult(3);
    d.cancel();
    e.setException(new MyError());
    e.exception();
    runUntilIdle(loop);
    expectSameMembers(calls, [fut]);
    loop.close();
    expect(reports).toEqual([]);
  });

  test('with returnExceptions, errors take their place in the results', () => {
    const loop = newVirtualEventLoop();
    const [a, b, c, d] = Array.from({ length: 4 }, () => futureOf<number>(loop));
    const fut = gatherOn(loop, wrap(loop, [a, b, c, d]), { returnExceptions: true });
    const exc = new ZeroDivisionError();
    const exc2 = new MyError();
    b.setResult(1);
    c.setException(exc);
    a.setResult(3);
    runUntilIdle(loop);
    expect(fut.done()).toBe(false);
    d.setException(exc2);
    runUntilIdle(loop);
    expect(fut.done()).toBe(true);
    expect(fut.result()).toEqual([3, 1, exc, exc2]);
    loop.close();
  });
});

describe('gather() of futures (FutureGatherTests)', () => {
  test('an empty gather outside any loop says where to call it from', () => {
    expect(() => gather()).toThrow(
      new InvalidStateError(
        'gather(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('an empty gather inside a running loop is done at once with []', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.runUntilComplete(
      (function* (): Coro<Future<unknown[]>> {
        return gather();
      })(),
    );
    expect(fut).toBeInstanceOf(Future);
    expect(fut.getLoop()).toBe(loop);
    expect(fut.done()).toBe(true);
    expect(fut.result()).toEqual([]);
    loop.close();
  });

  test('an empty gather uses the loop set with setEventLoop()', () => {
    const loop = newVirtualEventLoop();
    setEventLoop(loop);
    try {
      const fut = gather();
      expect(fut.getLoop()).toBe(loop);
      expect(fut.result()).toEqual([]);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  });

  test('futures of two loops are refused', () => {
    const one = newVirtualEventLoop();
    const other = newVirtualEventLoop();
    const fut1 = one.createFuture();
    const fut2 = other.createFuture();
    expect(() => gather(fut1, fut2)).toThrow(new TypeError('gather(): argument 2 (<Future pending>) belongs to another event loop'));
    one.close();
    other.close();
  });

  test('the gather lives on the loop of its futures', () => {
    const other = newVirtualEventLoop();
    const children = Array.from({ length: 3 }, () => other.createFuture<number>());
    const fut = gather(...children);
    expect(fut.getLoop()).toBe(other);
    runUntilIdle(other);
    expect(fut.done()).toBe(false);
    children.forEach((child, i) => child.setResult(i));
    runUntilIdle(other);
    expect(fut.result()).toEqual([0, 1, 2]);
    other.close();
  });

  test('a gather of futures that are all done is done at once, without a pass', () => {
    const loop = newVirtualEventLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<string>();
    a.setResult(1);
    b.setResult('x');
    const fut = gather(a, b);
    expect(fut.done()).toBe(true);
    expect(fut.result()).toEqual([1, 'x']);
    loop.close();
  });

  test('a cancelled child ends the gather with a CancelledError, but the gather is not cancelled', () => {
    const loop = newVirtualEventLoop();
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => futureOf<number>(loop));
    const fut = gather(a, b, c, d, e);
    const calls: unknown[] = [];
    fut.addDoneCallback((f) => calls.push(f));
    a.setResult(1);
    b.cancel('b went away');
    runUntilIdle(loop);
    expect(fut.done()).toBe(true);
    expectSameMembers(calls, [fut]);
    expect(fut.cancelled()).toBe(false);
    expect(fut.exception()).toBeInstanceOf(CancelledError);
    expect((fut.exception() as CancelledError).message).toBe('b went away');
    // Does nothing:
    c.setResult(3);
    d.cancel();
    e.setException(new MyError());
    e.exception();
    loop.close();
  });

  test('with returnExceptions, a cancelled child is a CancelledError in the results', () => {
    const loop = newVirtualEventLoop();
    const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => futureOf<number>(loop));
    const fut = gather([a, b, c, d, e, f], { returnExceptions: true });
    a.setResult(1);
    const zde = new ZeroDivisionError();
    b.setException(zde);
    c.cancel('c');
    runUntilIdle(loop);
    expect(fut.done()).toBe(false);
    d.setResult(3);
    e.cancel();
    const rte = new MyError();
    f.setException(rte);
    const res = loop.runUntilComplete(fut);
    expect(res[2]).toBeInstanceOf(CancelledError);
    expect((res[2] as CancelledError).message).toBe('c');
    expect(res[4]).toBeInstanceOf(CancelledError);
    expect([res[0], res[1], res[3], res[5]]).toEqual([1, zde, 3, rte]);
    loop.close();
  });
});

describe('gather() of coroutines (CoroutineGatherTests)', () => {
  test('coroutines outside any loop are refused, with where to call gather from', () => {
    const gen1 = returnValue('abc');
    const gen2 = returnValue('abc');
    expect(() => gather(gen1, gen2)).toThrow(
      new InvalidStateError(
        'gather(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('coroutines become tasks of the running loop', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.runUntilComplete(
      (function* (): Coro<GatheringFuture<[string, string]>> {
        return gather(returnValue('abc'), returnValue('def'));
      })(),
    );
    expect(fut.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(fut)).toEqual(['abc', 'def']);
    loop.close();
  });

  test('coroutines become tasks of the loop set with setEventLoop()', () => {
    const loop = newVirtualEventLoop();
    setEventLoop(loop);
    try {
      const fut = gather(returnValue('abc'), returnValue('def'));
      expect(fut.getLoop()).toBe(loop);
      expect(loop.runUntilComplete(fut)).toEqual(['abc', 'def']);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  });

  test('the same coroutine passed twice runs once, and its result is repeated', () => {
    simulate(
      (function* (): Coro<void> {
        let runs = 0;
        function* coro(s: string): Coro<string> {
          runs++;
          return s;
        }
        const c = coro('abc');
        const result = yield* gather(c, c, coro('def'), c);
        expect(result).toEqual(['abc', 'abc', 'def', 'abc']);
        expect(runs).toBe(2);
      })(),
    );
  });

  test('cancelling the task that awaits a gather cancels every child (test_cancellation_broadcast)', () => {
    const loop = newVirtualEventLoop();
    let proof = 0;
    const waiter = loop.createFuture<void>();
    function* inner(): Coro<void> {
      yield* waiter;
      proof += 1;
    }
    const child1 = ensureFuture(inner(), { loop });
    const child2 = ensureFuture(inner(), { loop });
    let gatherer: GatheringFuture<[void, void]> | undefined;
    function* outer(): Coro<void> {
      gatherer = gather(child1, child2);
      yield* gatherer;
      proof += 100;
    }
    const f = ensureFuture(outer(), { loop });
    runBriefly(loop);
    expect(f.cancel()).toBe(true);
    expect(() => loop.runUntilComplete(f)).toThrow(CancelledError);
    expect(gatherer!.cancel()).toBe(false);
    expect(waiter.cancelled()).toBe(true);
    expect(child1.cancelled()).toBe(true);
    expect(child2.cancelled()).toBe(true);
    runBriefly(loop);
    expect(proof).toBe(0);
    loop.close();
  });

  test('a second failure after the gather has failed is marked as seen (test_exception_marking)', () => {
    const { loop, reports } = recordingLoop();
    function* inner(f: Future<void>): Coro<void> {
      yield* f;
      throw new MyError('should not be ignored');
    }
    const a = loop.createFuture<void>();
    const b = loop.createFuture<void>();
    const f = ensureFuture(
      (function* (): Coro<void> {
        yield* gather(inner(a), inner(b));
      })(),
      { loop },
    );
    runBriefly(loop);
    a.setResult(undefined);
    runBriefly(loop);
    b.setResult(undefined);
    runBriefly(loop);
    expect(f.exception()).toBeInstanceOf(MyError);
    loop.close();
    expect(reports).toEqual([]);
  });

  test('a bad argument next to a coroutine raises TypeError and reports nothing (bpo-46672)', () => {
    const { loop, reports } = recordingLoop();
    const c = returnValue('abc');
    expect(() => gatherOn(loop, [c, {} as unknown as Coro<unknown>])).toThrow(
      new TypeError('gather(): argument 2 expected a future, a task or a coroutine, got an object'),
    );
    runUntilIdle(loop);
    loop.close();
    expect(reports).toEqual([]);
  });
});

describe('gather() cancellation and results', () => {
  test('a gather refuses to be cancelled once all its children are done (bpo-26923)', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<number>();
    const gatherTask = loop.runUntilComplete(
      (function* (): Coro<Future<number[]>> {
        function* childCoro(): Coro<number> {
          return yield* fut;
        }
        return ensureFuture(gather([childCoro()]));
      })(),
    );
    let cancelResult: boolean | null = null;
    fut.addDoneCallback(() => {
      cancelResult = gatherTask.cancel();
    });
    fut.setResult(42);
    loop.runUntilComplete(gatherTask);
    expect(cancelResult).toBe(false);
    expect(gatherTask.cancelled()).toBe(false);
    expect(gatherTask.result()).toEqual([42]);
    loop.close();
  });

  test.each([
    [undefined, ''],
    ['my message', 'my message'],
  ])('cancelling a task that awaits gather(returnExceptions) propagates CancelledError (cancel(%p))', (msg, expected) => {
    // test_cancel_gather_2 (bpo-32684): returnExceptions does not swallow the cancel.
    const exc = simulate(
      (function* (): Coro<unknown> {
        function* test(): Coro<void> {
          let time = 0;
          for (;;) {
            time += 0.05;
            yield* gather([sleep(0.05)], { returnExceptions: true });
            if (time > 1) return;
          }
        }
        const qwe = createTask(test());
        yield* sleep(0.2);
        qwe.cancel(msg);
        return yield* raises(() => qwe);
      })(),
    );
    expect(exc).toBeInstanceOf(CancelledError);
    expect((exc as CancelledError).message).toBe(expected);
  });

  test('cancelling a gather with returnExceptions ends it cancelled, not with a list', () => {
    simulate(
      (function* (): Coro<void> {
        const a = createTask(sleep(1, 'a'));
        const g = gather([a], { returnExceptions: true });
        yield* sleep(0);
        expect(g.cancel('stop')).toBe(true);
        const exc = yield* raises(() => g);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(a.cancelled()).toBe(true);
      })(),
    );
  });

  test('a failing child does not cancel its siblings', () => {
    simulate(
      (function* (): Coro<void> {
        function* fail(): Coro<void> {
          yield* sleep(0.1);
          throw new MyError('first');
        }
        const sibling = createTask(sleep(1, 'still here'));
        const exc = yield* raises(() => gather(fail(), sibling));
        expect(exc).toBeInstanceOf(MyError);
        expect(sibling.done()).toBe(false);
        expect(yield* sibling).toBe('still here');
      })(),
    );
  });

  test('gather(a, b) gives a typed tuple, and takes futures, tasks and coroutines together', () => {
    simulate(
      (function* (): Coro<void> {
        const fut = getRunningLoop().createFuture<boolean>();
        getRunningLoop().callLater(0.5, () => fut.setResult(true));
        const [n, s, b]: [number, string, boolean] = yield* gather(sleep(1, 7), createTask(sleep(0.1, 'x')), fut);
        expect([n, s, b]).toEqual([7, 'x', true]);
        expect(getRunningLoop().time()).toBe(1);
      })(),
    );
  });

  test('a gather of eager tasks that finished at once is done without waiting a pass', () => {
    simulate(
      (function* (): Coro<void> {
        getRunningLoop().setTaskFactory(eagerTaskFactory);
        const a = createTask(returnValue(1));
        const b = createTask(returnValue(2));
        expect(a.done() && b.done()).toBe(true);
        const g = gather(a, b);
        expect(g.done()).toBe(true);
        expect(g.result()).toEqual([1, 2]);
      })(),
    );
  });

  test('gather() refuses a second argument that is not options, and what is not awaitable', () => {
    simulate(
      (function* (): Coro<void> {
        function* main(): Coro<void> {}
        expect(() => (gather as (...args: unknown[]) => unknown)([returnValue(1)], 5)).toThrow(
          new TypeError(
            'gather(): pass awaitables as arguments, gather(a, b), or as one array with options, gather([a, b], { returnExceptions })',
          ),
        );
        expect(() => gather(123 as unknown as Coro<void>)).toThrow(
          new TypeError('gather(): argument 1 expected a future, a task or a coroutine, got 123 (a number)'),
        );
        expect(() => gather(sleep(0), main as unknown as Coro<void>)).toThrow(
          new TypeError(
            'gather(): argument 2 expected a future, a task or a coroutine, got generator function main; call it to get a coroutine: main()',
          ),
        );
        yield* sleep(0);
      })(),
    );
  });
});

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

// ---------------------------------------------------------------------------------
// shield
// ---------------------------------------------------------------------------------

describe('shield()', () => {
  test('the outer future gets the result of the inner one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    inner.setResult(42);
    expect(loop.runUntilComplete(outer)).toBe(42);
    loop.close();
  });

  test('the outer future gets the error of the inner one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    const exc = new MyError('expected');
    inner.setException(exc);
    runBriefly(loop);
    expect(outer.exception()).toBe(exc);
    loop.close();
  });

  test('cancelling the inner future cancels the outer one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    inner.cancel();
    runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    loop.close();
  });

  test('cancelling the outer future leaves the inner one running', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    expect(inner.done()).toBe(false);
    inner.setResult(1);
    runBriefly(loop);
    expect(inner.result()).toBe(1);
    loop.close();
  });

  test('cancelling the outer future removes its callback from the inner one', () => {
    const loop = newVirtualEventLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    expectNoCallbacks(outer); // white-box, as test_shield_cancel_outer
    expectNoCallbacks(inner);
    loop.close();
  });

  test('a result of the inner future after the outer was cancelled is not reported', () => {
    const { loop, reports } = recordingLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    inner.setResult(1);
    runBriefly(loop);
    loop.close();
    expect(reports).toEqual([]);
  });

  test('an error of the inner future after the outer was cancelled is reported once, as never retrieved', () => {
    const { loop, reports } = recordingLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    const exc = new MyError('foo');
    inner.setException(exc);
    runBriefly(loop);
    loop.close();
    expect(reports).toHaveLength(1);
    expect(reports[0].message).toBe('Future exception was never retrieved');
    expect(reports[0].exception).toBe(exc);
  });

  test('two cancelled shields of one future report its error once (test_shield_duplicate_log_once)', () => {
    const { loop, reports } = recordingLoop();
    const inner = loop.createFuture<number>();
    let outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    outer = shield(inner);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    inner.setException(new MyError('foo'));
    runBriefly(loop);
    loop.close();
    expect(reports).toHaveLength(1);
  });

  test('a future that is done already is returned as it is', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<number>();
    fut.setResult(42);
    expect(shield(fut)).toBe(fut);
    expect(loop.runUntilComplete(shield(fut))).toBe(42);
    loop.close();
  });

  test('cancelling the task that awaits a shield does not cancel what it shields (test_shield_effect)', () => {
    const loop = newVirtualEventLoop();
    let proof = 0;
    const waiter = loop.createFuture<void>();
    function* inner(): Coro<void> {
      yield* waiter;
      proof += 1;
    }
    function* outer(): Coro<void> {
      yield* shield(inner());
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

  test('a shielded gather finishes after the shield is cancelled', () => {
    const loop = newVirtualEventLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const parent = gather(child1, child2);
    const outer = shield(parent);
    runBriefly(loop);
    outer.cancel();
    runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    child1.setResult(1);
    child2.setResult(2);
    runBriefly(loop);
    expect(parent.result()).toEqual([1, 2]);
    loop.close();
  });

  test('cancelling a gather of shields cancels the shields, not what they shield', () => {
    const loop = newVirtualEventLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const inner1 = shield(child1);
    const inner2 = shield(child2);
    const parent = gather(inner1, inner2);
    runBriefly(loop);
    parent.cancel();
    runBriefly(loop);
    expect(parent.exception()).toBeInstanceOf(CancelledError);
    expect(inner1.cancelled()).toBe(true);
    expect(inner2.cancelled()).toBe(true);
    expect(child1.cancelled()).toBe(false);
    child1.setResult(1);
    child2.setResult(2);
    runBriefly(loop);
    loop.close();
  });

  test('a coroutine outside any loop is refused, with where to call shield from', () => {
    const inner = returnValue(42);
    expect(() => shield(inner)).toThrow(
      new InvalidStateError(
        'shield(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('a coroutine becomes a task of the running loop', () => {
    const loop = newVirtualEventLoop();
    const outer = loop.runUntilComplete(
      (function* (): Coro<Future<number>> {
        return shield(returnValue(42));
      })(),
    );
    expect(outer.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(outer)).toBe(42);
    loop.close();
  });

  test('a coroutine becomes a task of the loop set with setEventLoop()', () => {
    const loop = newVirtualEventLoop();
    setEventLoop(loop);
    try {
      const outer = shield(returnValue(42));
      expect(outer.getLoop()).toBe(loop);
      expect(loop.runUntilComplete(outer)).toBe(42);
    } finally {
      setEventLoop(null);
      loop.close();
    }
  });

  test('shield() refuses what is not awaitable', () => {
    simulate(
      (function* (): Coro<void> {
        expect(() => shield(5 as unknown as Coro<void>)).toThrow(
          new TypeError('shield(): expected a future, a task or a coroutine, got 5 (a number)'),
        );
        yield* sleep(0);
      })(),
    );
  });
});

// ---------------------------------------------------------------------------------
// sleep
// ---------------------------------------------------------------------------------

describe('sleep()', () => {
  test('sleep(delay, result) returns result after delay seconds', () => {
    const loop = newVirtualEventLoop();
    function* sleeperTwice(dt: number, arg: string): Coro<string> {
      yield* sleep(dt / 2);
      return yield* sleep(dt / 2, arg);
    }
    const t = loop.createTask(sleeperTwice(0.1, 'yeah'));
    loop.runUntilComplete(t);
    expect(t.result()).toBe('yeah');
    expect(loop.time()).toBe(0.1);
    loop.close();
  });

  test('sleep(0) lets exactly one pass go by: a callback scheduled before it has run', () => {
    simulate(
      (function* (): Coro<void> {
        let result = 0;
        getRunningLoop().callSoon(() => (result += 1));
        expect(result).toBe(0);
        const num = yield* sleep(0, 10);
        expect(result).toBe(1);
        result += num;
        expect(result).toBe(11);
      })(),
    );
  });

  test('a negative delay is treated as 0, as in asyncio', () => {
    simulate(
      (function* (): Coro<void> {
        expect(yield* sleep(-1, 'now')).toBe('now');
        expect(getRunningLoop().time()).toBe(0);
      })(),
    );
  });

  test('cancelling a sleep cancels its timer, so the clock does not jump to it', () => {
    const loop = newVirtualEventLoop();
    const t = loop.createTask(sleep(10, 'yeah'));
    runBriefly(loop);
    t.cancel();
    expect(() => loop.runUntilComplete(t)).toThrow(CancelledError);
    runBriefly(loop);
    expect(loop.time()).toBe(0);
    loop.close();
  });

  test('a sleeping task cancelled by a timer ends at that time (test_task_cancel_sleeping_task)', () => {
    const loop = newVirtualEventLoop();
    function* doit(): Coro<string> {
      const sleeperTask = createTask(sleep(5000));
      getRunningLoop().callLater(0.1, () => sleeperTask.cancel());
      try {
        yield* sleeperTask;
      } catch (exc) {
        if (exc instanceof CancelledError) return 'cancelled';
        throw exc;
      }
      return 'slept in';
    }
    expect(loop.runUntilComplete(doit())).toBe('cancelled');
    expect(loop.time()).toBe(0.1);
    loop.close();
  });

  test('a sleep counts its delay from when it is awaited, not from the call, like a coroutine', () => {
    simulate(
      (function* (): Coro<void> {
        const later = sleep(1, 'late');
        yield* sleep(5);
        expect(yield* later).toBe('late');
        expect(getRunningLoop().time()).toBe(6);
      })(),
    );
  });

  test('a sleep can be made outside any loop and run as the main coroutine', async () => {
    const nap = sleep(0.001, 'rested');
    await expect(run(nap)).resolves.toBe('rested');
    expect(simulate(sleep(3600, 'an hour'))).toBe('an hour');
  });

  test('closing a coroutine in the middle of a sleep cancels its timer', () => {
    const loop = newVirtualEventLoop();
    const nap = sleep(10);
    loop.callSoon(() => {
      nap.next(); // the first resume starts the timer, on the running loop
      expect(loop._timerCancelledCount).toBe(0);
      expect(nap.return(undefined)).toEqual({ done: true, value: undefined });
      expect(loop._timerCancelledCount).toBe(1);
      loop.stop();
    });
    loop.runForever();
    runBriefly(loop);
    expect(loop.time()).toBe(0); // the clock never jumped to the cancelled timer
    loop.close();
  });

  test('many sleeps due at the same moment end in the order they began', () => {
    const order = simulate(
      (function* (): Coro<number[]> {
        const order: number[] = [];
        const tasks = [3, 1, 4, 1, 5, 9, 2, 6].map((n, i) =>
          createTask(
            (function* () {
              yield* sleep(n / 10); // start at different times...
              yield* sleep(1 - n / 10); // ...all due at 1
              order.push(i);
            })(),
          ),
        );
        yield* gather(...tasks);
        return order;
      })(),
    );
    // Each began its second sleep when its first ended: in order of n, ties by start.
    expect(order).toEqual([1, 3, 6, 0, 2, 4, 7, 5]);
  });

  test('sleep() refuses NaN and what is not a number', () => {
    simulate(
      (function* (): Coro<void> {
        const nan = yield* raises(() => sleep(NaN));
        expect(nan).toBeInstanceOf(RangeError);
        expect((nan as Error).message).toBe('sleep(): delay must be a number of seconds, got NaN');
        const text = yield* raises(() => sleep('1' as unknown as number));
        expect(text).toEqual(new TypeError('sleep(): delay must be a number of seconds, got "1" (a string); for example sleep(1)'));
      })(),
    );
  });
});

// ---------------------------------------------------------------------------------
// ensureFuture
// ---------------------------------------------------------------------------------

describe('ensureFuture()', () => {
  test('a coroutine becomes a task of the loop given, the running loop, or the current loop', () => {
    const loop = newVirtualEventLoop();
    const t = ensureFuture(returnValue('ok'), { loop });
    expect(t).toBeInstanceOf(Task);
    expect(t.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(t)).toBe('ok');

    const inside = loop.runUntilComplete(
      (function* (): Coro<Future<string>> {
        return ensureFuture(returnValue('ok'));
      })(),
    );
    expect(inside.getLoop()).toBe(loop);
    expect(loop.runUntilComplete(inside)).toBe('ok');

    setEventLoop(loop);
    try {
      const current = ensureFuture(returnValue('ok'));
      expect(current.getLoop()).toBe(loop);
      expect(loop.runUntilComplete(current)).toBe('ok');
    } finally {
      setEventLoop(null);
    }
    loop.close();
  });

  test('a coroutine outside any loop is refused, with where to call it from', () => {
    expect(() => ensureFuture(returnValue('ok'))).toThrow(
      new InvalidStateError(
        'ensureFuture(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });

  test('a future or a task is returned as it is', () => {
    const loop = newVirtualEventLoop();
    const fOrig = loop.createFuture<string>();
    fOrig.setResult('ko');
    expect(ensureFuture(fOrig)).toBe(fOrig);
    expect(ensureFuture(fOrig, { loop })).toBe(fOrig);
    const tOrig = loop.createTask(returnValue('ok'));
    expect(ensureFuture(tOrig)).toBe(tOrig);
    expect(loop.runUntilComplete(tOrig)).toBe('ok');
    loop.close();
  });

  test('a future of another loop than the one given is refused', () => {
    const loop = newVirtualEventLoop();
    const other = newVirtualEventLoop();
    const f = loop.createFuture();
    expect(() => ensureFuture(f, { loop: other })).toThrow(
      new TypeError('ensureFuture(): <Future pending> belongs to another event loop than the one given'),
    );
    loop.close();
    other.close();
  });

  test('what is not awaitable is refused; a Promise is pointed to wrapPromise()', () => {
    expect(() => ensureFuture('ok' as unknown as Coro<string>)).toThrow(
      new TypeError('ensureFuture(): expected a future, a task or a coroutine, got "ok" (a string)'),
    );
    expect(() => ensureFuture(Promise.resolve(1) as unknown as Coro<number>)).toThrow(
      new TypeError('ensureFuture(): expected a future, a task or a coroutine, got a Promise; wrap it in a future: wrapPromise(promise)'),
    );
  });
});

// ---------------------------------------------------------------------------------
// wrapPromise
// ---------------------------------------------------------------------------------

describe('wrapPromise()', () => {
  test('on the real clock a wrapped Promise gives its value', async () => {
    const value = await run(
      (function* (): Coro<number> {
        const a = yield* wrapPromise(Promise.resolve(5));
        const b = yield* wrapPromise(new Promise<number>((resolve) => setTimeout(() => resolve(2), 2)));
        return a + b;
      })(),
    );
    expect(value).toBe(7);
  });

  test('on the real clock a rejected Promise raises its reason at the yield*', async () => {
    const reason = new MyError('rejected');
    const caught = await run(
      (function* (): Coro<unknown> {
        return yield* raises(() => wrapPromise(Promise.reject(reason)));
      })(),
    );
    expect(caught).toBe(reason);
  });

  test('cancelling a wrapped Promise cancels the future, and its later outcome is dropped', async () => {
    const outcome = await run(
      (function* (): Coro<string> {
        let settle: (v: number) => void = () => {};
        const fut = wrapPromise(new Promise<number>((resolve) => (settle = resolve)));
        const t = createTask(
          (function* (): Coro<number> {
            return yield* fut;
          })(),
        );
        yield* sleep(0.001);
        t.cancel();
        const exc = yield* raises(() => t);
        settle(1);
        yield* sleep(0.001);
        return `${(exc as Error).name} ${fut.cancelled()}`;
      })(),
    );
    expect(outcome).toBe('CancelledError true');
  });

  test('futures and tasks are awaitable from async code', async () => {
    const value = await run(
      (function* (): Coro<number> {
        const t = createTask(sleep(0.001, 20));
        const fromAsync = (async () => (await t) + 1)();
        return yield* wrapPromise(fromAsync);
      })(),
    );
    expect(value).toBe(21);
  });

  test('inside simulate() a wrapped Promise can never settle, and the DeadlockError says so', () => {
    let error: unknown = null;
    try {
      simulate(
        (function* (): Coro<number> {
          return yield* wrapPromise(Promise.resolve(1));
        })(),
      );
    } catch (exc) {
      error = exc;
    }
    expect(error).toBeInstanceOf(DeadlockError);
    expect((error as Error).message).toContain('wrapPromise(): a Promise cannot settle inside simulate(), which runs synchronously');
  });

  test('wrapPromise() refuses what is not a Promise', () => {
    simulate(
      (function* (): Coro<void> {
        expect(() => wrapPromise(123 as unknown as Promise<number>)).toThrow(
          new TypeError('wrapPromise(): expected a Promise (or a thenable), got 123 (a number)'),
        );
        yield* sleep(0);
      })(),
    );
  });

  test('wrapPromise() outside any loop says where to call it from', () => {
    expect(() => wrapPromise(Promise.resolve(1))).toThrow(
      new InvalidStateError(
        'wrapPromise(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });
});

