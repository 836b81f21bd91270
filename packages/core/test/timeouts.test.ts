/**
 * timeout() and timeoutAt(): ported from CPython's Lib/test/test_asyncio/test_timeouts.py
 * (3.11-3.14), on the virtual clock. `async with asyncio.timeout(d) as cm:` is
 * `yield* timeout(d, function* (cm) { ... })` here.
 *
 * Not ported: the tests of `__context__` chains (JavaScript errors have only the explicit
 * `cause`, which we check), and the ones that block the loop with `time.sleep` (the
 * virtual clock cannot advance during a step; two deadlines in the same pass are made
 * with `reschedule` into the past instead). "Already entered" and "double enter" cannot
 * happen with the body form: timeout() makes a new scope each time.
 */
import {
  CancelledError,
  ExceptionGroup,
  InvalidStateError,
  Timeout,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  taskGroup,
  timeout,
  timeoutAt,
  type Coro,
  type Future,
} from '@yieldio/core';
import { MyError, ZeroDivisionError, raises } from './fixtures/helpers';

/** A body that sleeps for `delay` seconds: `timeout(d, sleeping(10))`. */
function sleeping(delay: number): () => Coro<void> {
  return function* () {
    yield* sleep(delay);
  };
}

describe('timeout() basics', () => {
  test('a body that outlives its deadline raises TimeoutError and the scope is expired', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(0.01, function* (cm) {
            scope = cm;
            yield* sleep(10);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect((exc as Error).message).toBe('timeout expired');
        expect(scope!.expired()).toBe(true);
        expect(getRunningLoop().time()).toBe(0.01);
      })(),
    );
  });

  test('the TimeoutError has the CancelledError it replaced as its cause', () => {
    simulate(
      (function* (): Coro<void> {
        const exc = (yield* raises(() => timeout(0.01, sleeping(10)))) as TimeoutError;
        expect(exc.cause).toBeInstanceOf(CancelledError);
      })(),
    );
  });

  test('timeoutAt() expires at its deadline and when() returns that deadline', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const deadline = loop.time() + 0.01;
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeoutAt(deadline, function* (cm) {
            scope = cm;
            yield* sleep(10);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(scope!.expired()).toBe(true);
        expect(scope!.when()).toBe(deadline);
      })(),
    );
  });

  test('a body that finishes in time returns its value and the scope is not expired', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        let scope: Timeout | undefined;
        const value = yield* timeout(10, function* (cm) {
          scope = cm;
          yield* sleep(0.01);
          return 'in time';
        });
        expect(value).toBe('in time');
        expect(scope!.expired()).toBe(false);
        expect(scope!.when()).toBeGreaterThan(loop.time());
      })(),
    );
  });

  test('a finished scope leaves no timer behind: the clock does not jump to its deadline', () => {
    const loop = newVirtualEventLoop();
    loop.runUntilComplete(timeout(100, sleeping(1)));
    loop.runUntilComplete(sleep(0));
    expect(loop.time()).toBe(1);
    loop.close();
  });

  test.each([
    ['timeout', timeout],
    ['timeoutAt', timeoutAt],
  ] as const)('%s(null) has no deadline', (_, scopeOf) => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        yield* scopeOf(null, function* (cm) {
          scope = cm;
          yield* sleep(1000);
        });
        expect(scope!.expired()).toBe(false);
        expect(scope!.when()).toBeNull();
      })(),
    );
  });

  test('timeout(undefined) is timeout(null): no deadline, as Python\'s None', () => {
    simulate(
      (function* (): Coro<void> {
        const when = yield* timeout(undefined as unknown as null, function* (cm) {
          yield* sleep(1000);
          return cm.when();
        });
        expect(when).toBeNull();
      })(),
    );
  });

  test('timeout(0) expires at the first suspension', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const t0 = loop.time();
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(0, function* (cm) {
            scope = cm;
            yield* sleep(10);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(scope!.expired()).toBe(true);
        expect(scope!.when()).toBe(t0);
        expect(loop.time()).toBe(t0);
      })(),
    );
  });

  test('timeout(0) expires even when the body only sleeps for zero seconds', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(0, function* (cm) {
            scope = cm;
            yield* sleep(0);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(scope!.expired()).toBe(true);
      })(),
    );
  });

  test('a deadline in the past expires at the next pass', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        yield* sleep(20);
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(-11, function* (cm) {
            scope = cm;
            yield;
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(scope!.expired()).toBe(true);
        expect(scope!.when()).toBe(9);
        expect(loop.time()).toBe(20);
      })(),
    );
  });

  test('a body that never suspends cannot expire, even with a deadline in the past', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        const value = yield* timeout(-1, function* (cm) {
          scope = cm;
          return 5;
        });
        expect(value).toBe(5);
        expect(scope!.expired()).toBe(false);
      })(),
    );
  });
});

describe('timeout() and the errors of its body', () => {
  test('an error thrown by the body passes through unchanged', () => {
    simulate(
      (function* (): Coro<void> {
        const error = new MyError('boom');
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(0.01, function* (cm) {
            scope = cm;
            throw error;
          }),
        );
        expect(exc).toBe(error);
        expect(scope!.expired()).toBe(false);
      })(),
    );
  });

  test('an expiry during cleanup after an error still becomes TimeoutError', () => {
    // test_timeout_exception_context: the body fails, its finally is still waiting
    // when the deadline passes; the CancelledError that interrupts the finally wins.
    simulate(
      (function* (): Coro<void> {
        const exc = yield* raises(() =>
          timeout(0.01, function* () {
            try {
              throw new ZeroDivisionError();
            } finally {
              yield* sleep(1);
            }
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect((exc as TimeoutError).cause).toBeInstanceOf(CancelledError);
      })(),
    );
  });

  test('an error raised while handling the expiry passes through, and the scope is expired', () => {
    simulate(
      (function* (): Coro<void> {
        function* crash(): Coro<void> {
          try {
            yield* sleep(1);
          } finally {
            throw new ZeroDivisionError('in cleanup');
          }
        }
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(0.01, function* (cm) {
            scope = cm;
            yield* crash();
          }),
        );
        expect(exc).toBeInstanceOf(ZeroDivisionError);
        expect(scope!.expired()).toBe(true);
        expect(currentTask()!.cancelling()).toBe(0);
      })(),
    );
  });

  test('a body that swallows the cancellation returns normally, and the scope is still expired', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        const value = yield* timeout(0.01, function* (cm) {
          scope = cm;
          try {
            yield* sleep(10);
          } catch (exc) {
            if (!(exc instanceof CancelledError)) throw exc;
          }
          return 'swallowed';
        });
        expect(value).toBe('swallowed');
        expect(scope!.expired()).toBe(true);
        expect(currentTask()!.cancelling()).toBe(0);
      })(),
    );
  });

  test('the body sees the expiry as a CancelledError at the point where it waits', () => {
    simulate(
      (function* (): Coro<void> {
        let cancelled = false;
        const exc = yield* raises(() =>
          timeout(0.01, function* () {
            try {
              yield* sleep(10);
            } catch (err) {
              cancelled = err instanceof CancelledError;
              throw err;
            }
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(cancelled).toBe(true);
      })(),
    );
  });

  test('a timeout inside a task group turns a child crashing in cleanup into an ExceptionGroup', () => {
    // test_timeout_taskgroup: the deadline interrupts both the child and the body; the
    // child crashes in its finally, so the group raises; the timeout does not replace it.
    simulate(
      (function* (): Coro<void> {
        function* child(): Coro<void> {
          try {
            yield* sleep(2);
          } finally {
            throw new ZeroDivisionError('cleanup');
          }
        }
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(0.01, function* (cm) {
            scope = cm;
            yield* taskGroup(function* (tg) {
              tg.createTask(child());
              try {
                throw new MyError('body');
              } finally {
                yield* sleep(1);
              }
            });
          }),
        );
        expect(exc).toBeInstanceOf(ExceptionGroup);
        const group = exc as ExceptionGroup;
        expect(group.exceptions).toHaveLength(1);
        expect(group.exceptions[0]).toBeInstanceOf(ZeroDivisionError);
        expect(scope!.expired()).toBe(true);
        expect(currentTask()!.cancelling()).toBe(0);
      })(),
    );
  });
});

describe('a timeout never swallows an outer cancellation', () => {
  test('a cancel from outside before the deadline propagates as CancelledError', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        const exc = yield* raises(() =>
          timeout(10, function* (cm) {
            scope = cm;
            currentTask()!.cancel();
            yield* sleep(10);
          }),
        );
        expect(exc).toBeInstanceOf(CancelledError);
        expect(scope!.expired()).toBe(false);
      })(),
    );
  });

  test('the task that handled a TimeoutError is not left cancelled', () => {
    simulate(
      (function* (): Coro<void> {
        const task = createTask(
          (function* (): Coro<string> {
            const exc = yield* raises(() => timeout(0.001, sleeping(10)));
            expect(exc).toBeInstanceOf(TimeoutError);
            yield* sleep(1); // not interrupted again
            return 'went on';
          })(),
        );
        expect(yield* task).toBe('went on');
        expect(task.cancelled()).toBe(false);
        expect(task.cancelling()).toBe(0);
      })(),
    );
  });

  test('a cancel from outside just before the expiry, in the same pass, propagates as CancelledError', () => {
    // Scenario, all at virtual time 1, in one pass:
    //   1. a callback armed before the scope cancels the worker from outside (the
    //      worker's sleep future is cancelled, its wake-up is queued for the next pass);
    //   2. the scope's timer fires and cancels the worker again (cancelling() is 2);
    //   3. next pass, the worker wakes with CancelledError; the scope withdraws its own
    //      request, sees one left over, and lets the CancelledError through.
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        let scope: Timeout | undefined;
        const worker = createTask(
          timeout(1, function* (cm) {
            scope = cm;
            yield* sleep(10);
          }),
        );
        loop.callAt(1, () => worker.cancel('from outside'));
        const exc = yield* raises(() => worker);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(worker.cancelled()).toBe(true);
        expect(scope!.expired()).toBe(true);
        expect(loop.time()).toBe(1);
      })(),
    );
  });

  test('a cancel from outside just after the expiry, in the same pass, propagates as CancelledError', () => {
    // Scenario: as above, but the scope's timer is armed first, so it fires first and
    // the outside cancel comes second; the worker has not woken in between.
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const worker = createTask(timeout(1, sleeping(10)));
        yield* sleep(0);
        loop.callAt(1, () => worker.cancel());
        const exc = yield* raises(() => worker);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(worker.cancelled()).toBe(true);
      })(),
    );
  });

  test('a cancel that arrives after the worker already turned its expiry into TimeoutError changes nothing', () => {
    // Scenario: the canceller is a task whose sleep ends at the deadline too; its wake-up
    // is queued behind the worker's, so the worker finishes (with TimeoutError) before
    // the cancel arrives, and cancel() returns false.
    simulate(
      (function* (): Coro<void> {
        const worker = createTask(timeout(1, sleeping(10)));
        let accepted: boolean | undefined;
        const canceller = createTask(
          (function* (): Coro<void> {
            yield* sleep(1);
            accepted = worker.cancel();
          })(),
        );
        const exc = yield* raises(() => worker);
        expect(exc).toBeInstanceOf(TimeoutError);
        yield* canceller;
        expect(accepted).toBe(false);
      })(),
    );
  });

  test('nested timeouts with the same deadline: only the outermost raises TimeoutError', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const deadline = loop.time() + 0.01;
        let cancelled = false;
        let outer: Timeout | undefined;
        let inner: Timeout | undefined;
        const exc = yield* raises(() =>
          timeoutAt(deadline, function* (cm1) {
            outer = cm1;
            try {
              yield* timeoutAt(deadline, function* (cm2) {
                inner = cm2;
                yield* sleep(10);
              });
            } catch (err) {
              cancelled = err instanceof CancelledError;
              throw err;
            }
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(cancelled).toBe(true);
        expect(outer!.expired()).toBe(true);
        expect(inner!.expired()).toBe(true);
      })(),
    );
  });

  test('an outer deadline that passes first is not mistaken for the inner one', () => {
    // test_nested_timeouts_concurrent: the outer scope expires while the inner one is
    // still far from its deadline; the inner lets the cancellation through.
    simulate(
      (function* (): Coro<void> {
        let innerError: unknown = null;
        const exc = yield* raises(() =>
          timeout(0.002, function* () {
            try {
              yield* timeout(0.1, sleeping(1));
            } catch (err) {
              innerError = err;
              throw err;
            }
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(innerError).toBeInstanceOf(CancelledError);
      })(),
    );
  });

  test('when both deadlines pass in the same pass, the outer scope raises TimeoutError', () => {
    // test_nested_timeouts_loop_busy, on the virtual clock: a busy loop makes both timers
    // due at once; here both are rescheduled into the past, the inner one first, so both
    // expire in the same pass, inner first. The inner scope sees two requests and leaves
    // the error alone; the outer one takes it.
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        let innerError: unknown = null;
        let afterInner = false;
        const exc = yield* raises(() =>
          timeout(null, function* (outer) {
            try {
              yield* timeout(null, function* (inner) {
                inner.reschedule(loop.time() - 1);
                outer.reschedule(loop.time() - 1);
                yield* sleep(1);
              });
            } catch (err) {
              innerError = err;
              throw err;
            }
            afterInner = true;
            yield* sleep(10);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(innerError).toBeInstanceOf(CancelledError);
        expect(afterInner).toBe(false);
        expect(loop.time()).toBe(0);
      })(),
    );
  });

  test('an inner timeout that expires first is handled inside, and the outer one still fires later', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const exc = yield* raises(() =>
          timeout(0.1, function* () {
            const inner = yield* raises(() => timeout(0.01, sleeping(1)));
            expect(inner).toBeInstanceOf(TimeoutError);
            expect(loop.time()).toBe(0.01);
            yield* sleep(10);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(loop.time()).toBe(0.1);
      })(),
    );
  });

  test('a timeout nested in the cleanup of an expired one raises its own TimeoutError', () => {
    // test_nested_timeout_in_finally: the outer scope has expired (its cancel is pending);
    // the inner scope, entered in the finally, counts that request as not its own.
    simulate(
      (function* (): Coro<void> {
        let innerError: unknown = null;
        const exc = yield* raises(() =>
          timeout(0.01, function* () {
            try {
              yield* sleep(1);
            } finally {
              innerError = yield* raises(() => timeout(0.01, sleeping(10)));
            }
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(innerError).toBeInstanceOf(TimeoutError);
        expect((innerError as TimeoutError).cause).toBeInstanceOf(CancelledError);
        expect(getRunningLoop().time()).toBe(0.02);
      })(),
    );
  });

  test('a timeout entered after a cancellation was caught still raises TimeoutError', () => {
    // test_timeout_after_cancellation: the task caught a cancel without uncancel(), so
    // cancelling() is 1 on entry; the scope counts only what came after.
    simulate(
      (function* (): Coro<void> {
        try {
          currentTask()!.cancel();
          yield* sleep(1);
        } catch (exc) {
          if (!(exc instanceof CancelledError)) throw exc;
        }
        expect(currentTask()!.cancelling()).toBe(1);
        const exc = yield* raises(() => timeout(0, sleeping(1)));
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(currentTask()!.cancelling()).toBe(1);
        currentTask()!.uncancel();
      })(),
    );
  });

  test('a cancel inside a timeout entered after a caught cancellation propagates as CancelledError', () => {
    simulate(
      (function* (): Coro<void> {
        try {
          currentTask()!.cancel();
          yield* sleep(1);
        } catch (exc) {
          if (!(exc instanceof CancelledError)) throw exc;
        }
        const exc = yield* raises(() =>
          timeout(1, function* () {
            currentTask()!.cancel();
            yield* sleep(2);
          }),
        );
        expect(exc).toBeInstanceOf(CancelledError);
        currentTask()!.uncancel();
        currentTask()!.uncancel();
      })(),
    );
  });

  test('under any interleaving of one pass, an outside cancel at the moment of expiry wins', () => {
    // Both cancels are callbacks due at virtual time 1, so `chaos` may run them in either
    // order; the worker wakes only on the next pass, with two requests pending, and the
    // scope must let the CancelledError through every time. The seeds are fixed.
    for (let seed = 0; seed < 25; seed++) {
      const outcome = simulate(
        (function* (): Coro<string> {
          const worker = createTask(timeout(1, sleeping(10)));
          getRunningLoop().callAt(1, () => worker.cancel());
          try {
            yield* worker;
            return 'returned';
          } catch (exc) {
            return (exc as Error).name;
          }
        })(),
        { chaos: true, seed },
      );
      expect([seed, outcome]).toEqual([seed, 'CancelledError']);
    }
  });
});

describe('Timeout.reschedule()', () => {
  test('another task can move the deadline, or remove it', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const ready = loop.createFuture<Timeout>();
        const deadline1 = loop.time() + 10;
        const deadline2 = deadline1 + 20;
        const task = createTask(
          timeoutAt(deadline1, function* (cm) {
            ready.setResult(cm);
            yield* sleep(50);
          }),
        );
        const cm = yield* ready;
        expect(cm.when()).toBe(deadline1);
        cm.reschedule(deadline2);
        expect(cm.when()).toBe(deadline2);
        cm.reschedule(null);
        expect(cm.when()).toBeNull();
        task.cancel();
        const exc = yield* raises(() => task);
        expect(exc).toBeInstanceOf(CancelledError);
        expect(cm.expired()).toBe(false);
      })(),
    );
  });

  test('moving the deadline earlier makes the scope expire earlier', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const exc = yield* raises(() =>
          timeout(100, function* (cm) {
            cm.reschedule(loop.time() + 2);
            yield* sleep(50);
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(loop.time()).toBe(2);
      })(),
    );
  });

  test('moving the deadline later lets the body finish', () => {
    simulate(
      (function* (): Coro<void> {
        const loop = getRunningLoop();
        const value = yield* timeout(1, function* (cm) {
          yield* sleep(0.5);
          cm.reschedule(loop.time() + 10);
          yield* sleep(5);
          return 'finished';
        });
        expect(value).toBe('finished');
        expect(loop.time()).toBe(5.5);
      })(),
    );
  });

  test('reschedule() before the scope is entered is refused', () => {
    const cm = new Timeout(1);
    expect(() => cm.reschedule(2)).toThrow(InvalidStateError);
    expect(() => cm.reschedule(2)).toThrow('reschedule(): the timeout has not been entered yet');
  });

  test('reschedule() of a scope that has exited is refused', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        yield* timeout(0.01, function* (cm) {
          scope = cm;
        });
        expect(() => scope!.reschedule(0.02)).toThrow(InvalidStateError);
        expect(() => scope!.reschedule(0.02)).toThrow('reschedule(): cannot change a timeout that is exited');
      })(),
    );
  });

  test('reschedule() of an expired scope is refused', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        yield* raises(() =>
          timeout(0.01, function* (cm) {
            scope = cm;
            yield* sleep(1);
          }),
        );
        expect(() => scope!.reschedule(0.02)).toThrow('reschedule(): cannot change a timeout that is expired');
      })(),
    );
  });

  test('reschedule() of a scope that is expiring is refused', () => {
    simulate(
      (function* (): Coro<void> {
        yield* timeout(0.01, function* (cm) {
          const exc = yield* raises(() => sleep(1));
          expect(exc).toBeInstanceOf(CancelledError);
          expect(cm.expired()).toBe(true);
          expect(() => cm.reschedule(0.02)).toThrow('reschedule(): cannot change a timeout that is expiring');
        });
      })(),
    );
  });

  test('reschedule() refuses a deadline that is not a number', () => {
    simulate(
      (function* (): Coro<void> {
        yield* timeout(1, function* (cm) {
          expect(() => cm.reschedule('2' as unknown as number)).toThrow(
            new TypeError('reschedule(): the deadline must be a loop time in seconds or null, got "2" (a string)'),
          );
          expect(() => cm.reschedule(NaN)).toThrow(
            new RangeError('reschedule(): the deadline must be a loop time in seconds or null, got NaN'),
          );
          expect(cm.when()).toBe(1);
        });
      })(),
    );
  });
});

describe('timeout() states and bad input', () => {
  test('a scope describes its state and deadline', () => {
    simulate(
      (function* (): Coro<void> {
        let scope: Timeout | undefined;
        yield* timeout(10, function* (cm) {
          scope = cm;
          expect(String(cm)).toBe('<Timeout entered when=10>');
          yield* sleep(0);
        });
        expect(String(scope)).toBe('<Timeout exited when=10>');
        yield* raises(() =>
          timeout(0.01, function* (cm) {
            scope = cm;
            yield* sleep(10);
          }),
        );
        expect(String(scope)).toBe('<Timeout expired when=0.01>');
        yield* timeout(null, function* (cm) {
          expect(String(cm)).toBe('<Timeout entered when=null>');
        });
        expect(String(new Timeout(5))).toBe('<Timeout created when=5>');
      })(),
    );
  });

  test('timeout() outside a running loop says where to call it from', () => {
    expect(() => timeout(1, function* () {}).next()).toThrow(
      new InvalidStateError('timeout(): no running event loop; call it from a coroutine run by run(), simulate() or a Task'),
    );
  });

  test('timeout() outside a task is refused', () => {
    // test_timeout_without_task: a callback (not a task) drives the scope by hand.
    const loop = newVirtualEventLoop();
    let error: unknown = null;
    loop.callSoon(() => {
      try {
        timeout(1, function* () {}).next();
      } catch (exc) {
        error = exc;
      }
    });
    loop.runUntilComplete(sleep(0));
    expect(error).toBeInstanceOf(InvalidStateError);
    expect((error as Error).message).toBe('timeout(): must be used inside a task');
    loop.close();
  });

  test('timeout() refuses a delay that is not a number', () => {
    simulate(
      (function* (): Coro<void> {
        const exc = yield* raises(() => timeout('1' as unknown as number, function* () {}));
        expect(exc).toEqual(new TypeError('timeout(): delay must be a number of seconds or null, got "1" (a string)'));
        const nan = yield* raises(() => timeout(NaN, function* () {}));
        expect(nan).toBeInstanceOf(RangeError);
        expect((nan as Error).message).toBe('timeout(): delay must be a number of seconds or null, got NaN');
      })(),
    );
  });

  test('timeoutAt() refuses a deadline that is not a number', () => {
    simulate(
      (function* (): Coro<void> {
        const exc = yield* raises(() => timeoutAt({} as unknown as number, function* () {}));
        expect(exc).toEqual(new TypeError('timeoutAt(): the deadline must be a loop time in seconds or null, got an object'));
      })(),
    );
  });

  test('timeout() refuses a body that is not a generator function', () => {
    simulate(
      (function* (): Coro<void> {
        const missing = yield* raises(() => timeout(1, undefined as unknown as () => Coro<void>));
        expect(missing).toEqual(
          new TypeError(
            'timeout(): expected the body as a generator function, got undefined; for example timeout(..., function* (cm) { ... })',
          ),
        );
        function plain(): Coro<void> {
          return sleep(0);
        }
        const wrong = yield* raises(() => timeout(1, plain));
        expect(wrong).toEqual(new TypeError('timeout(): the body must be a generator function (function*), got function plain'));
      })(),
    );
  });

  test('a bad body is refused before any timer is armed', () => {
    const loop = newVirtualEventLoop();
    const task = loop.createTask(
      (function* (): Coro<unknown> {
        return yield* raises(() => timeout(5, 42 as unknown as () => Coro<void>));
      })(),
    );
    expect(loop.runUntilComplete(task)).toBeInstanceOf(TypeError);
    expect(loop.time()).toBe(0);
    loop.runUntilComplete(sleep(0));
    expect(loop.time()).toBe(0);
    loop.close();
  });

  test('a scope keeps working when the task waits on a plain future', () => {
    simulate(
      (function* (): Coro<void> {
        const fut: Future<number> = getRunningLoop().createFuture<number>();
        const exc = yield* raises(() =>
          timeout(1, function* () {
            return yield* fut;
          }),
        );
        expect(exc).toBeInstanceOf(TimeoutError);
        expect(fut.cancelled()).toBe(true);
      })(),
    );
  });
});
