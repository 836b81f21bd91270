/**
 * Future: a port of CPython's Lib/test/test_asyncio/test_futures.py (3.11-3.14) to our
 * API. CPython runs one suite against its Python and C futures; we have one Future but
 * two hosts, so the callback tests run against both the virtual and the real clock.
 *
 * Left out, with the reason: the C/Python split, `__del__` and refcount cases,
 * `_copy_future_state` and `wrap_future` (no concurrent.futures here), GenericAlias,
 * source tracebacks of plain futures (API.md asks for them on tasks only), and
 * `StopIteration` set as an exception (a generator cannot leak one in JavaScript).
 */
import {
  CancelledError,
  Future,
  InvalidStateError,
  newEventLoop,
  newVirtualEventLoop,
  isFuture,
  setEventLoop,
  sleep,
  type Coro,
  type EventLoop,
  type ExceptionContext,
  Task,
  getRunningLoop,
  type DoneCallback,
} from '@yieldio/core';

/** Run the loop until `aw` is done, on either host (a Promise on the real one). */
async function complete<T>(loop: EventLoop, aw: Future<T> | Coro<T>): Promise<T> {
  return loop.runUntilComplete(aw);
}

/** asyncio's `test_utils.run_briefly`: run a task that does nothing to completion. */
function* nothing(): Coro<void> {}

/** Every context the loop reports to its exception handler. */
function reportsOf(loop: EventLoop): ExceptionContext[] {
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => reports.push(context));
  return reports;
}

describe('a Future on its own', () => {
  let loop: ReturnType<typeof newVirtualEventLoop>;
  beforeEach(() => {
    loop = newVirtualEventLoop();
  });
  afterEach(() => loop.close());

  test('a new future is pending, and cancel() makes it cancelled', () => {
    const f = new Future({ loop });
    expect(f.done()).toBe(false);
    expect(f.cancelled()).toBe(false);
    f.cancel();
    expect(f.cancelled()).toBe(true);
  });

  test('a future outside a loop, with no loop set, refuses to be created', () => {
    setEventLoop(null);
    expect(() => new Future()).toThrow(InvalidStateError);
    expect(() => new Future()).toThrow(/there is no current event loop; run this from a coroutine/);
  });

  test('a future created inside a running loop belongs to it', () => {
    function* make(): Coro<Future<unknown>> {
      return new Future();
    }
    const f = loop.runUntilComplete(make());
    expect(f.getLoop()).toBe(loop);
  });

  test('a future created outside uses the loop given to setEventLoop', () => {
    setEventLoop(loop);
    try {
      expect(new Future().getLoop()).toBe(loop);
    } finally {
      setEventLoop(null);
    }
  });

  test('a cancel message travels with the CancelledError', () => {
    const f = new Future({ loop });
    f.cancel('my message');
    expect(() => loop.runUntilComplete(f)).toThrow(new CancelledError('my message'));
    try {
      f.result();
    } catch (exc) {
      expect(exc).toBeInstanceOf(CancelledError);
      expect((exc as CancelledError).message).toBe('my message');
    }
  });

  test('a cancelled future refuses a result, an exception and a second cancel', () => {
    const f = new Future({ loop });
    expect(f.cancel()).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(CancelledError);
    expect(() => f.exception()).toThrow(CancelledError);
    expect(() => f.setResult(null)).toThrow(InvalidStateError);
    expect(() => f.setResult(null)).toThrow(/setResult\(\): <Future cancelled> is already cancelled/);
    expect(() => f.setException(new Error())).toThrow(/setException\(\): <Future cancelled> is already cancelled/);
    expect(f.cancel()).toBe(false);
  });

  test('a pending future has no result yet, and says so', () => {
    const f = new Future<number>({ loop });
    expect(() => f.result()).toThrow(InvalidStateError);
    expect(() => f.result()).toThrow(/result\(\): <Future pending> is pending; its result is not ready yet/);
    expect(() => f.exception()).toThrow(/exception\(\): <Future pending> is pending/);
  });

  test('a future with a result is done, has no exception, and cannot change', () => {
    const f = new Future<number>({ loop });
    f.setResult(42);
    expect(f.cancelled()).toBe(false);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(42);
    expect(f.exception()).toBeNull();
    expect(() => f.setResult(1)).toThrow(/is already finished; a future is completed once/);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
  });

  test('a future with an exception throws that very object from result()', () => {
    const exc = new RangeError('boom');
    const f = new Future({ loop });
    f.setException(exc);
    expect(f.cancelled()).toBe(false);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(exc);
    expect(f.exception()).toBe(exc);
    expect(() => f.setResult(null)).toThrow(InvalidStateError);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
  });

  test('setException refuses nothing at all, and a CancelledError (use cancel)', () => {
    const f = new Future({ loop });
    expect(() => f.setException(undefined)).toThrow(TypeError);
    expect(() => f.setException(null)).toThrow(/setException\(\): expected an exception \(an Error\), got null/);
    expect(() => f.setException(new CancelledError())).toThrow(/a CancelledError cannot be set as an exception; call cancel\(\) instead/);
    expect(f.done()).toBe(false);
  });

  test('isFuture is true for futures and tasks, false for anything else', () => {
    const f = new Future({ loop });
    expect(isFuture(f)).toBe(true);
    expect(isFuture(loop.createTask(nothing()))).toBe(true);
    expect(isFuture(Future)).toBe(false);
    expect(isFuture(1)).toBe(false);
    expect(isFuture({ done: () => false, result: () => 1 })).toBe(false);
    expect(isFuture(Promise.resolve(1))).toBe(false);
  });

  test('toString shows the state, the description and the exception', () => {
    expect(String(new Future({ loop }))).toBe('<Future pending>');
    expect(String(new Future({ loop, description: 'sleep(1)' }))).toBe('<Future pending sleep(1)>');
    const cancelled = new Future({ loop });
    cancelled.cancel();
    expect(String(cancelled)).toBe('<Future cancelled>');
    const failed = new Future({ loop });
    failed.setException(new RangeError('boom'));
    expect(String(failed)).toBe('<Future finished exception=RangeError("boom")>');
    failed.exception();
  });
});

describe('awaiting a future: its iterator', () => {
  let loop: ReturnType<typeof newVirtualEventLoop>;
  beforeEach(() => {
    loop = newVirtualEventLoop();
  });
  afterEach(() => loop.close());

  test('yield* on a pending future yields it once, then returns its result each time', () => {
    // test_yield_from_twice: the second `yield*` on a done future does not yield.
    const f = new Future<number>({ loop });
    function* fixture(): Generator<unknown, void, unknown> {
      yield 'A';
      const x = yield* f;
      yield ['B', x];
      const y = yield* f;
      yield ['C', y];
    }
    const g = fixture();
    expect(g.next().value).toBe('A');
    expect(g.next().value).toBe(f);
    f.setResult(42);
    expect(g.next().value).toEqual(['B', 42]);
    expect(g.next().value).toEqual(['C', 42]);
  });

  test('the iterator of a done future returns its result at once', () => {
    const f = new Future<[number, number]>({ loop });
    f.setResult([1, 2]);
    const step = f[Symbol.iterator]().next();
    expect(step.done).toBe(true);
    expect(step.value).toEqual([1, 2]);
  });

  test('an exception thrown into the iterator comes out unchanged', () => {
    // What a task does when the awaited future failed: the error surfaces at `yield*`.
    const f = new Future({ loop });
    const it = f[Symbol.iterator]();
    it.next();
    const exc = new Error('elephant');
    expect(() => it.throw!(exc)).toThrow(exc);
    f.cancel();
  });

  test('a bare yield of a future also waits for it and sends its result in', () => {
    const f = new Future<string>({ loop });
    function* waiter(): Coro<unknown> {
      return yield f;
    }
    const t = loop.createTask(waiter());
    loop.callSoon(() => f.setResult('spam'));
    expect(loop.runUntilComplete(t)).toBe('spam');
  });

  test('runUntilComplete on a cancelled future throws CancelledError', () => {
    const f = new Future({ loop });
    f.cancel();
    expect(() => loop.runUntilComplete(f)).toThrow(CancelledError);
  });
});

describe('a future with an exception no one retrieved', () => {
  // asyncio logs these from Future.__del__; we report them when the future is collected
  // or, at the latest, when its loop closes. These tests use the close.
  let loop: ReturnType<typeof newVirtualEventLoop>;
  let reports: ExceptionContext[];
  beforeEach(() => {
    loop = newVirtualEventLoop();
    reports = reportsOf(loop);
  });

  test('a pending future that is abandoned is not reported', () => {
    new Future({ loop });
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  test('an exception followed by a cancel() is not reported', () => {
    const fut = new Future({ loop });
    fut.setException(new Error());
    expect(fut.cancel()).toBe(false);
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  test('a result nobody read is not reported', () => {
    new Future({ loop }).setResult(42);
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  test('an exception nobody read is reported once, with the exception', () => {
    const exc = new RangeError('boom');
    const fut = new Future({ loop });
    fut.setException(exc);
    loop.runUntilComplete(nothing());
    loop.close();
    expect(reports).toHaveLength(1);
    expect(reports[0].message).toMatch(/^Future exception was never retrieved/);
    expect(reports[0].exception).toBe(exc);
    expect(reports[0].future).toBe(fut);
    loop.close();
    expect(reports).toHaveLength(1);
  });

  test('an exception read with exception() is not reported', () => {
    const fut = new Future({ loop });
    fut.setException(new Error('boom'));
    fut.exception();
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  test('an exception read with result() is not reported', () => {
    const fut = new Future({ loop });
    fut.setException(new Error('boom'));
    expect(() => fut.result()).toThrow('boom');
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  test('an exception awaited by a task is not reported', () => {
    const fut = new Future({ loop });
    function* reader(): Coro<string> {
      try {
        yield* fut;
        return 'no error';
      } catch (exc) {
        return (exc as Error).message;
      }
    }
    const t = loop.createTask(reader());
    loop.callSoon(() => fut.setException(new Error('seen')));
    expect(loop.runUntilComplete(t)).toBe('seen');
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });

  test('without a handler the report goes to the default one, which logs it', () => {
    loop.setExceptionHandler(null);
    const logged: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((msg: string) => void logged.push(msg));
    try {
      new Future({ loop }).setException(new RangeError('boom'));
      loop.close();
    } finally {
      spy.mockRestore();
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^Future exception was never retrieved\n/);
    expect(logged[0]).toMatch(/RangeError: boom/);
  });
});

describe.each([
  ['virtual', () => newVirtualEventLoop() as EventLoop],
  ['real', () => newEventLoop() as EventLoop],
])('done callbacks (%s clock)', (_host, makeLoop) => {
  let loop: EventLoop;
  beforeEach(() => {
    loop = makeLoop();
  });
  afterEach(() => loop.close());

  /** A callback that appends `thing` to `bag` (test_futures `_make_callback`). */
  const appender = (bag: unknown[], thing: unknown) => (_fut: Future<unknown>) => void bag.push(thing);

  test('callbacks run on a later pass, in the order they were added, with the future', async () => {
    const bag: unknown[] = [];
    const f = new Future<string>({ loop });
    f.addDoneCallback(appender(bag, 42));
    f.addDoneCallback(appender(bag, 17));
    let seen: Future<string> | null = null;
    f.addDoneCallback((fut) => void (seen = fut));
    f.setResult('foo');
    expect(bag).toEqual([]);
    await complete(loop, nothing());
    expect(bag).toEqual([42, 17]);
    expect(seen).toBe(f);
    expect(f.result()).toBe('foo');
  });

  test('callbacks run after setException too', async () => {
    const bag: unknown[] = [];
    const f = new Future({ loop });
    f.addDoneCallback(appender(bag, 100));
    const exc = new Error();
    f.setException(exc);
    expect(bag).toEqual([]);
    await complete(loop, nothing());
    expect(bag).toEqual([100]);
    expect(f.exception()).toBe(exc);
  });

  test('callbacks run after cancel too', async () => {
    const bag: unknown[] = [];
    const f = new Future({ loop });
    f.addDoneCallback(appender(bag, 'x'));
    f.cancel();
    await complete(loop, nothing());
    expect(bag).toEqual(['x']);
  });

  test('a callback added to a done future is scheduled, never called at once', async () => {
    const bag: unknown[] = [];
    const f = new Future({ loop });
    f.setResult(1);
    f.addDoneCallback(appender(bag, 'late'));
    expect(bag).toEqual([]);
    await complete(loop, nothing());
    expect(bag).toEqual(['late']);
  });

  test('removing the first callback (twice) leaves the others', async () => {
    const bag: unknown[] = [];
    const f = new Future<string>({ loop });
    const cb1 = appender(bag, 42);
    f.addDoneCallback(cb1);
    f.addDoneCallback(appender(bag, 17));
    f.addDoneCallback(appender(bag, 100));
    expect(f.removeDoneCallback(cb1)).toBe(1);
    expect(f.removeDoneCallback(cb1)).toBe(0);
    f.setResult('foo');
    await complete(loop, nothing());
    expect(bag).toEqual([17, 100]);
  });

  test('removing the first and second callbacks leaves the third', async () => {
    const bag: unknown[] = [];
    const f = new Future<string>({ loop });
    const cb1 = appender(bag, 42);
    const cb2 = appender(bag, 17);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    f.addDoneCallback(appender(bag, 100));
    f.removeDoneCallback(cb1);
    f.removeDoneCallback(cb2);
    f.removeDoneCallback(cb1);
    f.setResult('foo');
    await complete(loop, nothing());
    expect(bag).toEqual([100]);
  });

  test('removing the third callback leaves the first two', async () => {
    const bag: unknown[] = [];
    const f = new Future<string>({ loop });
    const cb3 = appender(bag, 100);
    f.addDoneCallback(appender(bag, 42));
    f.addDoneCallback(appender(bag, 17));
    f.addDoneCallback(cb3);
    f.removeDoneCallback(cb3);
    f.removeDoneCallback(cb3);
    f.setResult('foo');
    await complete(loop, nothing());
    expect(bag).toEqual([42, 17]);
  });

  test('removeDoneCallback removes every registration and says how many', async () => {
    const bag: unknown[] = [];
    const f = new Future<string>({ loop });
    const cb1 = appender(bag, 1);
    const cb2 = appender(bag, 2);
    const cb3 = appender(bag, 3);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    expect(f.removeDoneCallback(cb2)).toBe(1);
    expect(f.removeDoneCallback(cb3)).toBe(0);
    f.addDoneCallback(cb2);
    for (let i = 0; i < 5; i++) f.addDoneCallback(cb1);
    expect(f.removeDoneCallback(cb1)).toBe(6);
    f.setResult('foo');
    await complete(loop, nothing());
    expect(bag).toEqual([2]);
  });

  test('removing a callback after the future is done no longer stops it', async () => {
    // test_schedule_callbacks_list_mutation_1: completion hands every callback to the
    // loop at once, so a callback that removes another cannot un-schedule it.
    const bag: unknown[] = [];
    const f = new Future({ loop });
    const later = appender(bag, 'later');
    f.addDoneCallback((fut) => void bag.push(['removed', fut.removeDoneCallback(later)]));
    f.addDoneCallback(later);
    f.setResult(1);
    await complete(loop, nothing());
    expect(bag).toEqual([['removed', 0], 'later']);
  });

  test('waiting tasks and done callbacks are woken in the order they came, whichever came first', async () => {
    const bag: unknown[] = [];
    const f = new Future<string>({ loop });
    function* waiter(name: string): Coro<void> {
      bag.push(`${name} got ${yield* f}`);
    }
    await complete(
      loop,
      (function* (): Coro<void> {
        const a = loop.createTask(waiter('task a'));
        yield; // a starts, and waits on f: f's one waiter
        f.addDoneCallback(appender(bag, 'callback 1'));
        const b = loop.createTask(waiter('task b'));
        yield;
        const removed = appender(bag, 'removed');
        f.addDoneCallback(removed);
        f.addDoneCallback(appender(bag, 'callback 2'));
        expect(f.removeDoneCallback(removed)).toBe(1);
        f.setResult('x');
        yield* a;
        yield* b;
      })(),
    );
    expect(bag).toEqual(['task a got x', 'callback 1', 'task b got x', 'callback 2']);
  });

  test('removeDoneCallback leaves a waiting task alone', async () => {
    const f = new Future<string>({ loop });
    const result = await complete(
      loop,
      (function* (): Coro<string> {
        const task = loop.createTask(
          (function* () {
            return yield* f;
          })(),
        );
        yield;
        expect(f.removeDoneCallback(() => undefined)).toBe(0);
        f.setResult('woken');
        return yield* task;
      })(),
    );
    expect(result).toBe('woken');
  });

  test('addDoneCallback refuses a non-function, naming what it got', () => {
    const f = new Future({ loop });
    expect(() => f.addDoneCallback('spam' as never)).toThrow(TypeError);
    expect(() => f.addDoneCallback('spam' as never)).toThrow(
      /addDoneCallback\(\): expected a function to call with the future, got "spam" \(a string\)/,
    );
  });

  test('a callback that throws is reported, and the others still run', async () => {
    const reports = reportsOf(loop);
    const bag: unknown[] = [];
    const f = new Future({ loop });
    const boom = new Error('boom');
    f.addDoneCallback(function throwing() {
      throw boom;
    });
    f.addDoneCallback(appender(bag, 'after'));
    f.setResult(1);
    await complete(loop, nothing());
    expect(bag).toEqual(['after']);
    expect(reports).toHaveLength(1);
    expect(reports[0].exception).toBe(boom);
    expect(reports[0].message).toMatch(/^Exception in callback throwing\(\)/);
  });

  test('a future settled by a timer resumes the task that awaits it', async () => {
    const f = new Future<string>({ loop });
    function* waiter(): Coro<string> {
      const value = yield* f;
      return `got ${value}`;
    }
    loop.callLater(0.002, () => f.setResult('late'));
    expect(await complete(loop, waiter())).toBe('got late');
  });
});

describe('futures from async code (thenables)', () => {
  test('await on a done future gives its result', async () => {
    const loop = newVirtualEventLoop();
    const f = loop.createFuture<number>();
    f.setResult(7);
    expect(await f).toBe(7);
    loop.close();
  });

  test('await on a failed future rejects with its exception', async () => {
    const loop = newVirtualEventLoop();
    const f = loop.createFuture();
    const exc = new Error('nope');
    f.setException(exc);
    await expect(f.toPromise()).rejects.toBe(exc);
    loop.close();
  });

  test('await on a cancelled future rejects with CancelledError and its message', async () => {
    const loop = newVirtualEventLoop();
    const f = loop.createFuture();
    f.cancel('stop');
    await expect(Promise.resolve(f)).rejects.toThrow(new CancelledError('stop'));
    loop.close();
  });

  test('await on a pending future settles when a real-clock loop completes it', async () => {
    const loop = newEventLoop();
    const f = loop.createFuture<string>();
    const awaited = (async () => `async code got ${await f}`)();
    function* main(): Coro<void> {
      yield* sleep(0.001);
      f.setResult('it');
      yield* sleep(0);
    }
    await loop.runUntilComplete(main());
    expect(await awaited).toBe('async code got it');
    loop.close();
  });

  test('an exception read through then() is not reported as unseen', async () => {
    const loop = newVirtualEventLoop();
    const reports = reportsOf(loop);
    const f = loop.createFuture();
    f.setException(new Error('handled'));
    await f.then(undefined, () => 'caught');
    loop.close();
    expect(reports.map((r) => r.message)).toEqual([]);
  });
});

describe('a future whose loop is closed refuses callbacks that could never run', () => {
  // asyncio: add_done_callback on a done future goes through loop.call_soon, which
  // raises RuntimeError('Event loop is closed'). Completing the future does not throw
  // here (asyncio's would): I/O and threads may finish after their loop closed.
  test('addDoneCallback on a done future of a closed loop throws, naming the future', () => {
    const loop = newVirtualEventLoop();
    const fut = loop.createFuture<number>({ description: 'reply' });
    fut.addDoneCallback(() => undefined);
    loop.close();
    expect(() => fut.setResult(1)).not.toThrow();
    expect(() => fut.setResult(2)).toThrow(/already finished/);
    expect(() => fut.addDoneCallback(() => undefined)).toThrow(
      new InvalidStateError('addDoneCallback(): the event loop of <Future finished reply result=1> is closed; a callback added now could never run'),
    );
  });
});

describe('futures (test_futures.py)', () => {

  test('the no-loop error names the call once: "Future(): ..."', () => {
    // Future passes 'Future()' as the caller to getEventLoop, which appends '()' again:
    // "Future()(): there is no current event loop". Task does the same with
    // getRunningLoop('Task()') -> "Task()(): no running event loop".
    setEventLoop(null);
    expect(() => new Future()).toThrow(/^Future\(\): there is no current event loop/);
  });

  test('toString of a future with a result shows the result', () => {
    // CPython: repr(f) == '<Future finished result=4>'. We used to print '<Future finished>'.
    const loop = newVirtualEventLoop();
    const f = new Future<number>({ loop });
    f.setResult(4);
    expect(String(f)).toBe('<Future finished result=4>');
    loop.close();
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
