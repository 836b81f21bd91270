/**
 * run() and Runner: ported from CPython's Lib/test/test_asyncio/test_runners.py (3.11+).
 *
 * These are the tests where the real host matters, so most run on the real clock and
 * sleep milliseconds. The Ctrl-C tests must not send SIGINT to jest: each runs a small
 * Node child (fixtures/sigint-child.cjs) that loads core bundled by esbuild, waits for it
 * to say "ready", sends it SIGINT, and reads what its run() settled with.
 *
 * Not ported: the policy tests (3.14 has no policies here), asyncgen shutdown (we have
 * none), and the mocks of signal.signal.
 */
import {
  CancelledError,
  ContextVar,
  InvalidStateError,
  Runner,
  copyContext,
  createTask,
  currentTask,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  newVirtualEventLoop,
  run,
  simulate,
  sleep,
  type Coro,
  EventLoop,
  type ExceptionContext,
  type Task,
  rethrowIfCancelled,
  VirtualHost,
} from '@yieldio/core';
import { ZeroDivisionError, raises, thrownBy, type VirtualLoop, collectReports } from './fixtures/helpers';
import { buildSigintChild, type ChildEvent, type ChildOutcome, type SigintChild } from './fixtures/sigint';

function* returnAfterPass<T>(value: T): Coro<T> {
  yield* sleep(0);
  return value;
}

describe('run()', () => {
  test("run() resolves to the main task's result", async () => {
    expect(await run(returnAfterPass(42))).toBe(42);
  });

  test("run() rejects with the main task's error", async () => {
    function* main(): Coro<void> {
      yield* sleep(0);
      throw new Error('spam');
    }
    await expect(run(main())).rejects.toThrow('spam');
  });

  test('run() waits real time on the real clock', async () => {
    const start = performance.now();
    await run(sleep(0.02));
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
  });

  test('run() refuses what is not a coroutine, saying what to pass instead', () => {
    function* main(): Coro<void> {}
    expect(() => run(1 as unknown as Coro<void>)).toThrow(new TypeError('run(): expected a coroutine, got 1 (a number)'));
    expect(() => run((() => null) as unknown as Coro<void>)).toThrow(
      new TypeError('run(): expected a coroutine, got function <anonymous>; a coroutine comes from calling a generator function (function*)'),
    );
    expect(() => run(main as unknown as Coro<void>)).toThrow(
      new TypeError('run(): expected a coroutine, got generator function main; call it to get a coroutine: main()'),
    );
  });

  test('run() turns debug mode on only when asked', async () => {
    function* debugOf(): Coro<boolean> {
      return getRunningLoop().getDebug();
    }
    expect(await run(debugOf())).toBe(false);
    expect(await run(debugOf(), { debug: true })).toBe(true);
    expect(await run(debugOf(), { debug: false })).toBe(false);
  });

  test('run() from inside a running loop is refused, and the coroutine is not started', () => {
    simulate(
      (function* (): Coro<void> {
        let started = false;
        function* inner(): Coro<void> {
          started = true;
        }
        expect(() => run(inner())).toThrow(
          new InvalidStateError('run(): cannot be called from a running event loop; await the coroutine instead: yield* coro'),
        );
        yield* sleep(0);
        expect(started).toBe(false);
      })(),
    );
  });

  test('run() cancels the tasks left over when main returns, and runs their cleanup', async () => {
    let leftover: Task<void> | undefined;
    let cleanedUp = false;
    function* main(): Coro<number> {
      leftover = createTask(
        (function* (): Coro<void> {
          try {
            yield* sleep(0.1);
          } finally {
            cleanedUp = true;
          }
        })(),
      );
      return 123;
    }
    expect(await run(main())).toBe(123);
    expect(leftover!.done()).toBe(true);
    expect(leftover!.cancelled()).toBe(true);
    expect(cleanedUp).toBe(true);
  });

  test('run() reports an error a leftover task raises while being cancelled', async () => {
    let leftover: Task<void> | undefined;
    const reports: ExceptionContext[] = [];
    function* main(): Coro<number> {
      getRunningLoop().setExceptionHandler((_, context) => reports.push(context));
      leftover = createTask(
        (function* (): Coro<void> {
          try {
            yield* sleep(0.1);
          } catch {
            throw new ZeroDivisionError();
          }
        })(),
      );
      return 123;
    }
    expect(await run(main())).toBe(123);
    expect(leftover!.done()).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0].message).toBe('unhandled exception during run() shutdown');
    expect(reports[0].task).toBe(leftover);
    expect(reports[0].exception).toBeInstanceOf(ZeroDivisionError);
  });

  test('run() cancels leftover tasks when main fails too', async () => {
    class FancyExit extends Error {}
    let lazyboy: Task<void> | undefined;
    function* main(): Coro<void> {
      getRunningLoop().setExceptionHandler(() => {});
      lazyboy = createTask(
        (function* (): Coro<void> {
          try {
            for (;;) yield* sleep(1);
          } catch {
            throw new ZeroDivisionError();
          }
        })(),
      );
      yield* sleep(0);
      throw new FancyExit();
    }
    await expect(run(main())).rejects.toBeInstanceOf(FancyExit);
    expect(lazyboy!.done()).toBe(true);
  });

  test('run() rejects with CancelledError when the program cancels its own main task', async () => {
    function* main(): Coro<void> {
      currentTask()!.cancel('from inside');
      yield* sleep(1);
    }
    const exc = await run(main()).then(
      () => null,
      (err: unknown) => err,
    );
    expect(exc).toBeInstanceOf(CancelledError);
    expect((exc as CancelledError).message).toBe('from inside');
  });

  test('run() closes its loop, and leaves no current loop behind', async () => {
    let loop: EventLoop | undefined;
    await run(
      (function* (): Coro<void> {
        loop = getRunningLoop();
        expect(getEventLoop()).toBe(loop);
      })(),
    );
    expect(loop!.isClosed()).toBe(true);
    expect(() => getEventLoop()).toThrow(InvalidStateError);
  });
});

describe('Runner', () => {
  test('debug mode follows the option', async () => {
    const quiet = new Runner({ debug: false });
    expect(quiet.getLoop().getDebug()).toBe(false);
    await quiet.close();
    const loud = new Runner({ debug: true });
    expect(loud.getLoop().getDebug()).toBe(true);
    await loud.close();
  });

  test('the loop factory makes the loop', () => {
    const loop = newVirtualEventLoop();
    const runner = new Runner({ loopFactory: () => loop });
    expect(runner.getLoop()).toBe(loop);
    runner.close();
    expect(loop.isClosed()).toBe(true);
  });

  test("run() gives the result; after close() the loop is closed and the runner refuses to go on", async () => {
    const runner = new Runner();
    expect(await runner.run(returnAfterPass('done'))).toBe('done');
    const loop = runner.getLoop();
    await runner.close();
    expect(() => runner.getLoop()).toThrow(new InvalidStateError('Runner: the runner is closed; create a new one'));
    expect(() => runner.run(returnAfterPass(1))).toThrow(InvalidStateError);
    expect(loop.isClosed()).toBe(true);
  });

  test('run() refuses what is not a coroutine', () => {
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    expect(() => runner.run(123 as unknown as Coro<void>)).toThrow(new TypeError('run(): expected a coroutine, got 123 (a number)'));
    runner.close();
  });

  test('an explicit close() closes the loop', () => {
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    const loop = runner.getLoop();
    runner.close();
    expect(() => runner.getLoop()).toThrow('Runner: the runner is closed; create a new one');
    expect(loop.isClosed()).toBe(true);
  });

  test('a second close() does nothing', async () => {
    const runner = new Runner();
    const loop = runner.getLoop();
    await runner.close();
    expect(loop.isClosed()).toBe(true);
    await runner.close();
    expect(loop.isClosed()).toBe(true);
  });

  test('closing a runner that was never used does nothing: it can still be used', () => {
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    runner.close();
    expect(runner.run(returnAfterPass(7))).toBe(7);
    runner.close();
  });

  test('a runner used in a second `using` block after the first closed it refuses to run', () => {
    const ret: number[] = [];
    function* f(arg: number): Coro<void> {
      ret.push(arg);
    }
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    {
      using r = runner;
      r.run(f(1));
    }
    expect(() => {
      using r = runner;
      r.run(f(2));
    }).toThrow(new InvalidStateError('Runner: the runner is closed; create a new one'));
    expect(ret).toEqual([1]);
  });

  test('run() with a context runs the main task in it', () => {
    const cvar = new ContextVar<number>('cvar', { default: -1 });
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    const ctx = copyContext();
    runner.run(
      (function* (): Coro<void> {
        yield* sleep(0);
        cvar.set(5);
      })(),
      { context: ctx },
    );
    expect(ctx.get(cvar)).toBe(5);
    expect(cvar.get()).toBe(-1);
    runner.close();
  });

  test('run() inside a run of the same runner is refused, and the inner coroutine is not started', () => {
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    let started = false;
    function* g(): Coro<void> {
      started = true;
    }
    function* f(): Coro<unknown> {
      try {
        runner.run(g());
      } catch (exc) {
        return exc;
      }
      return null;
    }
    const exc = runner.run(f());
    expect(exc).toEqual(
      new InvalidStateError('Runner.run(): cannot be called from a running event loop; await the coroutine instead: yield* coro'),
    );
    expect(exc).toBeInstanceOf(InvalidStateError);
    expect(started).toBe(false);
    runner.close();
  });

  test('the runner sets its loop as the current one until it is closed', () => {
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    const loop = runner.getLoop();
    expect(getEventLoop()).toBe(loop);
    runner.run(returnAfterPass(1));
    runner.run(returnAfterPass(2));
    expect(runner.getLoop()).toBe(loop);
    runner.close();
    expect(() => getEventLoop()).toThrow(InvalidStateError);
  });

  test('on a virtual loop run() and close() are synchronous, and close() cancels what is left', () => {
    const runner = new Runner({ loopFactory: () => newVirtualEventLoop() });
    let leftover: Task<void> | undefined;
    const value = runner.run(
      (function* (): Coro<string> {
        leftover = createTask(sleep(100));
        return 'sync';
      })(),
    );
    expect(value).toBe('sync');
    expect(leftover!.done()).toBe(false);
    expect(runner.close()).toBeUndefined();
    expect(leftover!.cancelled()).toBe(true);
  });

  test('disposing a real-clock runner with tasks still running is refused; close() then waits for them', async () => {
    const runner = new Runner({ loopFactory: newEventLoop });
    let leftover: Task<void> | undefined;
    await runner.run(
      (function* (): Coro<void> {
        leftover = createTask(sleep(100));
      })(),
    );
    expect(() => runner[Symbol.dispose]()).toThrow(
      new InvalidStateError(
        'Runner[Symbol.dispose](): tasks are still running and the real clock cannot wait synchronously; use `await using` or `await runner.close()`',
      ),
    );
    await runner[Symbol.asyncDispose]();
    expect(leftover!.cancelled()).toBe(true);
    expect(() => runner.getLoop()).toThrow(InvalidStateError);
  });

  test('simulate() cancels leftover tasks and reports their errors, as run() does', () => {
    const reports: ExceptionContext[] = [];
    let leftover: Task<void> | undefined;
    const value = simulate(
      (function* (): Coro<number> {
        getRunningLoop().setExceptionHandler((_, context) => reports.push(context));
        leftover = createTask(
          (function* (): Coro<void> {
            try {
              yield* sleep(10);
            } catch (exc) {
              if (exc instanceof CancelledError) throw new ZeroDivisionError();
              throw exc;
            }
          })(),
        );
        yield* sleep(1);
        return 5;
      })(),
    );
    expect(value).toBe(5);
    expect(leftover!.done()).toBe(true);
    expect(reports.map((r) => r.message)).toEqual(['unhandled exception during run() shutdown']);
  });
});

// ---------------------------------------------------------------------------------
// Ctrl-C, in a child process
// ---------------------------------------------------------------------------------

let child: SigintChild;

beforeAll(() => {
  child = buildSigintChild();
});

afterAll(() => {
  child?.cleanup();
});

function last(outcome: ChildOutcome): ChildEvent {
  return outcome.events[outcome.events.length - 1];
}

describe('Ctrl-C (SIGINT) while run() runs', () => {
  test('it cancels the main task and the future it waits on; run() rejects with KeyboardInterrupt (test_interrupt_wait)', async () => {
    const outcome = await child.run('waitFuture');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'caught', 'finally', 'rejected']);
    expect(outcome.events[1]).toEqual({ event: 'caught', name: 'CancelledError', futCancelled: true });
    expect(last(outcome)).toEqual({
      event: 'rejected',
      name: 'KeyboardInterrupt',
      message: 'interrupted (SIGINT): the main task was cancelled',
      cause: 'CancelledError',
      listeners: 0,
    });
    expect([outcome.code, outcome.signal]).toEqual([0, null]);
  });

  test('it reaches a main task that only ever gives up control with bare yields (test_interrupt_call_soon)', async () => {
    const outcome = await child.run('busyYield');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'finally', 'rejected']);
    expect(last(outcome)).toMatchObject({ name: 'KeyboardInterrupt', cause: 'CancelledError', listeners: 0 });
    expect(outcome.code).toBe(0);
  });

  test('a main task that swallows the cancellation makes run() resolve with its result', async () => {
    const outcome = await child.run('swallow');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'caught', 'resolved']);
    expect(last(outcome)).toEqual({ event: 'resolved', value: 'survived', listeners: 0 });
  });

  test('a main task already cancelled by another task ends with CancelledError, not KeyboardInterrupt (test_interrupt_cancelled_task)', async () => {
    const outcome = await child.run('cancelledBySubtask');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'rejected']);
    expect(last(outcome)).toMatchObject({ name: 'CancelledError', cause: null, listeners: 0 });
  });

  test('it cancels the children of a task group the main task waits in, and their cleanup runs first', async () => {
    const outcome = await child.run('inTaskGroup');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'child finally', 'child finally', 'rejected']);
    expect(new Set(outcome.events.slice(1, 3).map((e) => e.name))).toEqual(new Set(['a', 'b']));
    expect(last(outcome)).toMatchObject({ name: 'KeyboardInterrupt', cause: 'CancelledError' });
  });

  test('a timeout scope does not turn it into a TimeoutError', async () => {
    const outcome = await child.run('inTimeout');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'finally', 'rejected']);
    expect(outcome.events[1]).toEqual({ event: 'finally', expired: false });
    expect(last(outcome)).toMatchObject({ name: 'KeyboardInterrupt', cause: 'CancelledError' });
  });

  test('a SIGINT handler the program adds while run() runs takes Ctrl-C over: the main task is not cancelled', async () => {
    const outcome = await child.run('handlerAddedLater');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'own handler', 'resolved']);
    expect(last(outcome)).toEqual({ event: 'resolved', value: 'handled by the program', listeners: 0 });
  });

  test("a program's own SIGINT handler is left alone: run() neither cancels nor removes it", async () => {
    const outcome = await child.run('ownHandler');
    expect(outcome.events.map((e) => e.event)).toEqual(['ready', 'own handler', 'resolved']);
    expect(last(outcome)).toEqual({ event: 'resolved', value: 'handled by the program', listeners: 1 });
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

describe('a task that ignores its cancellation at shutdown', () => {
  function* retriesForever(): Coro<void> {
    for (;;) {
      try {
        yield* sleep(1);
      } catch {
        // swallows everything, CancelledError too
      }
    }
  }

  test('is reported by name after the grace period, and the run ends instead of hanging', () => {
    const reports: ExceptionContext[] = [];
    const result = simulate(
      (function* () {
        yield* collectReports(reports);
        createTask(retriesForever(), { name: 'retrier' });
        yield* sleep(0.5);
        return 'main done';
      })(),
    );
    expect(result).toBe('main done');
    expect(reports.map((r) => r.message)).toEqual([
      '<Task cancelling name="retrier" waiting for <SleepFuture pending sleep()>> ignored its cancellation: 5 seconds after the tasks ' +
        'left at the end were cancelled, it has not finished (a catch that swallows CancelledError in a loop? a cleanup that ' +
        'waits for ever?); it is left behind and the loop closed. Let cancellations through: catch (e) { rethrowIfCancelled(e); ... }; ' +
        'run with { debug: true } to see where the task was created',
    ]);
  });

  test('in debug mode the report says where the task was created', () => {
    const reports: ExceptionContext[] = [];
    simulate(
      (function* () {
        yield* collectReports(reports);
        createTask(retriesForever(), { name: 'retrier' });
        yield* sleep(0.5);
      })(),
      { debug: true },
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).not.toContain('run with { debug: true }');
    expect(String(reports[0]!.sourceTraceback)).toContain('runners.test.ts');
  });

  test('a task whose cleanup is slow but finishes within the grace period is not reported', () => {
    const reports: ExceptionContext[] = [];
    let cleanedUp = false;
    simulate(
      (function* () {
        yield* collectReports(reports);
        createTask(
          (function* () {
            try {
              yield* sleep(100);
            } finally {
              yield* sleep(4);
              cleanedUp = true;
            }
          })(),
        );
        yield* sleep(0.5);
      })(),
    );
    expect(cleanedUp).toBe(true);
    expect(reports).toEqual([]);
  });
});

describe('run() on the real clock', () => {
  // loop.test.ts's setup, which these tests came from: a fresh virtual loop each.
  let loop: VirtualLoop;
  beforeEach(() => {
    loop = newVirtualEventLoop();
  });
  afterEach(() => {
    if (!loop.isRunning() && !loop.isClosed()) loop.close();
  });

  test('run() returns a Promise of the result and closes its loop', async () => {
    let used: EventLoop | null = null;
    function* main(): Coro<string> {
      used = getRunningLoop();
      yield* sleep(0.001);
      return 'done';
    }
    const pending = run(main());
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe('done');
    expect(used!.isClosed()).toBe(true);
    expect(used!.host.kind).toBe('real');
  });

  test('run() cancels the tasks left over when main returns', async () => {
    let leftover: Task<void> | null = null;
    let cleanedUp = false;
    function* background(): Coro<void> {
      try {
        yield* sleep(10);
      } finally {
        cleanedUp = true;
      }
    }
    function* main(): Coro<void> {
      leftover = createTask(background());
      yield* sleep(0);
    }
    await run(main());
    expect(leftover!.cancelled()).toBe(true);
    expect(cleanedUp).toBe(true);
  });

  test('run() rejects with the exception of main', async () => {
    function* main(): Coro<void> {
      yield* sleep(0.001);
      throw new RangeError('from main');
    }
    await expect(run(main())).rejects.toThrow(new RangeError('from main'));
  });

  test('run() refuses to start inside a running loop', () => {
    let exc: unknown = null;
    function* noop(): Coro<void> {}
    function* main(): Coro<void> {
      exc = thrownBy(() => run(noop()));
    }
    loop.runUntilComplete(main());
    expect(exc).toBeInstanceOf(InvalidStateError);
    expect((exc as Error).message).toMatch(/^run\(\): cannot be called from a running event loop/);
  });

  test('an EventLoop on a VirtualHost built by hand is synchronous', () => {
    const manual = new EventLoop(new VirtualHost());
    function* main(): Coro<number> {
      yield* sleep(60);
      return getRunningLoop().time();
    }
    expect(manual.runUntilComplete(main())).toBe(60);
    manual.close();
  });
});
