/**
 * gather(): ported from CPython's Lib/test/test_asyncio/test_tasks.py (3.14:
 * GatherTestsBase, FutureGatherTests, CoroutineGatherTests), on the virtual clock.
 * CPython's `test_utils.run_briefly(loop)` is `runBriefly(loop)`.
 *
 * Differences from CPython that these tests pin on purpose: bad arguments raise
 * TypeError or RangeError (CPython: ValueError for a wrong value). The other functions of
 * tasks.py have their own files: wait, as-completed, shield, sleep, ensure-future, promise.
 */
import {
  CancelledError,
  Future,
  GatheringFuture,
  InvalidStateError,
  createTask,
  eagerTaskFactory,
  ensureFuture,
  gather,
  getRunningLoop,
  newVirtualEventLoop,
  run,
  setEventLoop,
  simulate,
  sleep,
  type Coro,
  type EventLoop,
  type ExceptionContext,
  type VirtualHost,
  allTasks,
} from '@yieldio/core';
import { MyError, ZeroDivisionError, expectSameMembers, futureOf, raises, runBriefly, runUntilIdle, returnValue, recordingLoop } from './fixtures/helpers';

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

describe('gather(array, undefined) (gather.ts)', () => {
  // The signature is gather(aws, options?: GatherOptions), so TypeScript accepts an
  // explicit undefined (a variable holding no options), and API.md says undefined is
  // accepted where Python takes None; but the argument check wants an object there and
  // throws "pass awaitables as arguments, ...".
  test('an explicit undefined for the options is no options', () => {
    simulate(
      (function* (): Coro<void> {
        const options: { returnExceptions?: boolean } | undefined = undefined;
        expect(yield* gather([sleep(0, 1)], options)).toEqual([1]);
      })(),
    );
  });
});

describe("gather() and a bad argument (gather.ts: 'a bad one creates nothing')", () => {
  // gather.ts promises that every argument is checked before any task is created, so a
  // bad argument creates nothing; but only the loops of futures are checked first, and
  // a coroutine before the bad argument is already a task when the TypeError comes.
  // (CPython creates those tasks too, bpo-46672; the bug is against our own contract.)
  test('a coroutine next to a bad argument is not started', () => {
    simulate(
      (function* (): Coro<void> {
        let started = false;
        function* coro(): Coro<void> {
          started = true;
        }
        const before = allTasks().size;
        expect(() => gather(coro(), 123 as unknown as Coro<void>)).toThrow(TypeError);
        expect(allTasks().size).toBe(before);
        yield* sleep(0);
        expect(started).toBe(false);
      })(),
    );
  });
});

describe('gather() hears of each child where asyncio queues its done callback (gather.ts: ChildrenWaiter)', () => {
  test('a callback scheduled between two completions runs between the gather counting them', () => {
    const loop = newVirtualEventLoop();
    const [a, b] = [futureOf<number>(loop), futureOf<number>(loop)];
    const fut = gatherOn(loop, [a, b]);
    const seen: boolean[] = [];
    const exc = new ZeroDivisionError();
    a.setResult(1);
    loop.callSoon(() => seen.push(fut.done()));
    b.setException(exc);
    runBriefly(loop);
    // asyncio's ready queue: [a's done callback, the callback, b's done callback].
    expect(seen).toEqual([false]);
    expect(fut.exception()).toBe(exc);
    loop.close();
  });

  test('children completing back to back are all counted before a callback scheduled after them', () => {
    const { loop, reports } = recordingLoop();
    const [a, b, c] = [futureOf<number>(loop), futureOf<number>(loop), futureOf<number>(loop)];
    const fut = gatherOn(loop, [a, b, c]);
    const seen: unknown[] = [];
    const first = new ZeroDivisionError();
    a.setException(first);
    b.setException(new MyError());
    c.setResult(3);
    loop.callSoon(() => seen.push(fut.exception()));
    runBriefly(loop);
    // The first error is the gather's; the second was seen by it, so it is not reported.
    expect(seen).toEqual([first]);
    loop.close();
    expect(reports).toEqual([]);
  });

  test('six thousand tasks finishing in one pass, a callback scheduled among them, give their results in order', () => {
    const order: string[] = [];
    const results = simulate(
      (function* (): Coro<number[]> {
        const loop = getRunningLoop();
        function* child(i: number): Coro<number> {
          if (i === 5000) loop.callSoon(() => order.push('callback'));
          return i;
        }
        const tasks = Array.from({ length: 6000 }, (_, i) => createTask(child(i)));
        const all = gather(tasks);
        all.addDoneCallback(() => order.push('gather done'));
        return yield* all;
      })(),
    );
    expect(results).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    expect(order).toEqual(['callback', 'gather done']);
  });
});
