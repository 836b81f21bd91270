/**
 * Regressions: cases where core once differed from CPython asyncio or from its own
 * contract (found by porting test_waitfor/test_tasks/test_runners, issue #3). Each block
 * says what CPython does; the test asserts that we now do the same.
 */
import {
  CancelledError,
  ContextVar,
  Runner,
  TimeoutError,
  allTasks,
  asCompleted,
  createTask,
  currentTask,
  FIRST_EXCEPTION,
  ExceptionGroup,
  gather,
  getRunningLoop,
  run,
  taskGroup,
  newVirtualEventLoop,
  simulate,
  sleep,
  wait,
  waitFor,
  type Coro,
  type Task,
} from '@yieldio/core';
import { SlowTask, raises } from './fixtures/helpers';
import { buildSigintChild, type SigintChild } from './fixtures/sigint';


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

describe('Runner keeps one context for all its runs (3.11 Runner._context)', () => {
  // CPython: Runner._lazy_init takes `contextvars.copy_context()` once, and every run()
  // without an explicit context runs its main task in that same context, so a variable
  // set by one run is seen by the next (test_runners.py test_run_keeps_context). Our
  // Runner.run creates each main task in a fresh copy of the current context.
  test('a ContextVar set by one run is seen by the next run of the same runner', () => {
    const cvar = new ContextVar<number>('cvar', { default: -1 });
    function* f(value: number): Coro<number> {
      const old = cvar.get();
      yield* sleep(0);
      cvar.set(value);
      return old;
    }
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    expect(runner.run(f(1))).toBe(-1);
    expect(runner.run(f(2))).toBe(1);
    runner.close();
  });
});

describe('describing a Future passed where a coroutine is expected (repr.ts / task.ts describeCoroArgument)', () => {
  // CPython: Runner.run(fut) raises "a coroutine was expected" (test_runners.py
  // test_run_future). The bug: we checked isThenable first, and a Future is a
  // thenable, so the message called the Future a Promise and said to wrap it in
  // wrapPromise(), which is wrong advice: the right fix is to pass a coroutine, or to
  // await the future inside one.
  test('Runner.run(future) names the future, not a Promise', () => {
    const loop = newVirtualEventLoop();
    const runner = new Runner({ loopFactory: () => loop });
    const fut = loop.createFuture();
    expect(() => runner.run(fut as unknown as Coro<unknown>)).toThrow(/^run\(\): expected a coroutine, got <Future pending>/);
    runner.close();
  });

  test('TaskGroup.createTask(future) names the future, not a Promise', () => {
    simulate(
      (function* (): Coro<void> {
        yield* taskGroup(function* (tg) {
          const fut = getRunningLoop().createFuture();
          expect(() => tg.createTask(fut as unknown as Coro<unknown>)).toThrow(
            /^TaskGroup\.createTask\(\): expected a coroutine \(a generator object\), got <Future pending>/,
          );
        });
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

describe('a task that throws null', () => {
  // exception() answers null for "no exception", so a thrown null could not be told from
  // success (gather would resolve, a group end normally). CPython cannot raise None at
  // all; we turn it into a TypeError that says what happened, and everyone sees that.
  function* throwsNull(): Coro<void> {
    yield* sleep(0.1);
    throw null;
  }

  test('a thrown null becomes a TypeError, and gather() rejects with it', () => {
    simulate(
      (function* (): Coro<void> {
        const t = createTask(throwsNull());
        const exc = yield* raises(() => t);
        expect(exc).toBeInstanceOf(TypeError);
        expect((exc as Error).message).toBe('<Task pending name="Task-2"> threw null; throw an Error instead');
        expect(yield* raises(() => gather(t))).toBe(exc);
      })(),
    );
  });

  test('a task group counts a child that threw null as failed', () => {
    simulate(
      (function* (): Coro<void> {
        const exc = yield* raises(() =>
          taskGroup(function* (tg) {
            tg.createTask(throwsNull());
          }),
        );
        expect(exc).toBeInstanceOf(ExceptionGroup);
        expect((exc as ExceptionGroup).exceptions).toHaveLength(1);
        expect((exc as ExceptionGroup).exceptions[0]).toBeInstanceOf(TypeError);
      })(),
    );
  });

  test('wait(FIRST_EXCEPTION) returns when a task throws null', () => {
    simulate(
      (function* (): Coro<void> {
        const t = createTask(throwsNull());
        const slow = createTask(sleep(5));
        const [done] = yield* wait([t, slow], { returnWhen: FIRST_EXCEPTION });
        expect(done.size).toBe(1);
        expect(getRunningLoop().time()).toBe(0.1);
        slow.cancel();
      })(),
    );
  });
});

describe('Runner.run() while the same runner already runs on the real clock (runners.ts)', () => {
  // CPython: Runner.run() refuses to run while its loop runs, before anything starts
  // ("Runner.run() cannot be called from a running event loop", test_recursive_run; the
  // coroutine is never awaited). On the real clock the first run() returns a Promise at
  // once, so a second call comes between passes, where no loop counts as running. The bug:
  // we created and started the second main task, and only then runUntilComplete() threw.
  test('the second call is refused before its coroutine starts', async () => {
    const runner = new Runner();
    let started = false;
    function* f(): Coro<void> {
      started = true;
    }
    const first = runner.run(sleep(0.005, 'first'));
    expect(() => runner.run(f())).toThrow(/^Runner\.run\(\): /);
    expect(await first).toBe('first');
    expect(started).toBe(false);
    await runner.close();
  });
});

describe('run() and Ctrl-C, in a child process', () => {
  let child: SigintChild;
  beforeAll(() => {
    child = buildSigintChild();
  });
  afterAll(() => child?.cleanup());

  // CPython: asyncio.run(main()) where main awaits a future nothing completes blocks in
  // select() until Ctrl-C, then raises KeyboardInterrupt ("serve until Ctrl-C", as in
  // test_interrupt_wait). Our RealHost arms no Node timer when no loop timer is pending,
  // and a SIGINT listener does not keep Node alive: the process exits with code 0 at
  // once, run() never settles, no finally runs, and Ctrl-C can never reach the task.
  test('run() keeps the process waiting while the main task waits on a future', async () => {
    // The limit counts from the spawn: it must leave room for Node to start on a busy
    // machine (300 ms did not, and the child was killed before it said "waiting").
    const outcome = await child.run('waitForever', 1500);
    expect(outcome.events.map((e) => e.event)).toEqual(['waiting']);
    expect(outcome.timedOut).toBe(true);
  });

  // CPython: a second Ctrl-C raises KeyboardInterrupt at once (Runner._on_sigint). Ours
  // (runners.ts #onInterrupt) re-sent SIGINT to the process while the runner's own
  // listener was still installed, so the listener got it again, and again: an endless
  // loop of signals (over 10,000 a second); the process never ended. Fixed.
  test('a second Ctrl-C ends a program whose main task ignored the first', async () => {
    const outcome = await child.run('stubborn', 2000);
    expect(outcome.timedOut).toBe(false);
    const last = outcome.events[outcome.events.length - 1];
    expect(outcome.signal === 'SIGINT' || last.name === 'KeyboardInterrupt').toBe(true);
  });
});
