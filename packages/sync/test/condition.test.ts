/**
 * Condition, ported from CPython's Lib/test/test_asyncio/test_locks.py
 * (ConditionTests, 3.13/3.14, including the gh-112202 cancelled-wake-up cases), plus the
 * errors our API pins. Virtual clock throughout.
 */
import {
  CancelledError,
  InvalidStateError,
  TimeoutError,
  createTask,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  timeout,
  waitFor,
  type Coro,
} from '@yieldio/core';
import { Condition, Lock } from '@yieldio/sync';
import { caught } from './helpers';

describe('Condition', () => {
  test('wait releases the lock, and notified waiters return one by one as they get it back', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        const result: number[] = [];
        function* c(n: number): Coro<boolean> {
          yield* cond.acquire();
          if (yield* cond.wait()) result.push(n);
          return true;
        }
        const t1 = createTask(c(1));
        const t2 = createTask(c(2));
        const t3 = createTask(c(3));
        yield* sleep(0);
        expect(result).toEqual([]);
        expect(cond.locked()).toBe(false);

        expect(yield* cond.acquire()).toBe(true);
        cond.notify();
        yield* sleep(0);
        expect(result).toEqual([]);
        expect(cond.locked()).toBe(true);

        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1]);
        expect(cond.locked()).toBe(true);

        cond.notify(2);
        yield* sleep(0);
        expect(result).toEqual([1]);
        expect(cond.locked()).toBe(true);

        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1, 2]);
        expect(cond.locked()).toBe(true);

        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1, 2, 3]);
        expect(cond.locked()).toBe(true);

        for (const t of [t1, t2, t3]) expect(t.result()).toBe(true);
      })(),
    );
  });

  test('a cancelled wait re-acquires the lock before it re-raises', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        yield* cond.acquire();
        const wait = createTask(cond.wait());
        getRunningLoop().callSoon(() => wait.cancel());
        expect(yield* caught(wait)).toBeInstanceOf(CancelledError);
        expect(cond._waiters.length).toBe(0);
        expect(cond.locked()).toBe(true);
      })(),
    );
  });

  test('a wait cancelled while it contends for the lock still ends holding it', () => {
    // The waiter is notified, but the lock is held when it tries to take it back; it is
    // cancelled there, and the lock is released in the same pass. It must retry the
    // acquire (ignoring the cancellation until it has the lock), then re-raise.
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        const loop = getRunningLoop();
        yield* cond.acquire();
        const waitTask = createTask(cond.wait());
        yield* sleep(0);
        expect(cond.locked()).toBe(false);

        yield* cond.acquire();
        cond.notify();
        loop.callSoon(() => waitTask.cancel());
        loop.callSoon(() => cond.release());
        expect(yield* caught(waitTask)).toBeInstanceOf(CancelledError);
        expect(cond.locked()).toBe(true);
      })(),
    );
  });

  test('a waiter cancelled after notify, while it waits for the lock, is cancelled once it has the lock (bpo-32841)', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        let waited = false;
        const waiter = createTask(
          (function* (): Coro<void> {
            using _ = yield* cond.hold();
            waited = true;
            yield* cond.wait();
          })(),
        );
        yield* sleep(0);

        yield* cond.acquire();
        cond.notify();
        yield* sleep(0); // the waiter gets to acquire()
        waiter.cancel();
        yield* sleep(0); // the cancellation is delivered; it must keep trying
        cond.release();
        yield* sleep(0); // it gets the lock, re-raises, and `using` releases it
        expect(waiter.cancelled()).toBe(true);
        expect(waited).toBe(true);
        expect(cond.locked()).toBe(false);
      })(),
    );
  });

  test('wait without the lock throws InvalidStateError', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        const err = yield* caught(cond.wait());
        expect(err).toBeInstanceOf(InvalidStateError);
        expect((err as Error).message).toBe(
          'Condition.wait(): the lock is not acquired; acquire it first (using _ = yield* cond.hold()), then wait',
        );
      })(),
    );
  });

  test('waitFor waits until the predicate holds, re-checking after each notify', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        let presult = false;
        const result: number[] = [];
        const t = createTask(
          (function* (): Coro<boolean> {
            yield* cond.acquire();
            if (yield* cond.waitFor(() => presult)) {
              result.push(1);
              cond.release();
            }
            return true;
          })(),
        );
        yield* sleep(0);
        expect(result).toEqual([]);

        yield* cond.acquire();
        cond.notify();
        cond.release();
        yield* sleep(0);
        expect(result).toEqual([]);

        presult = true;
        yield* cond.acquire();
        cond.notify();
        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1]);
        expect(t.result()).toBe(true);
      })(),
    );
  });

  test('waitFor returns a predicate that already holds without the lock, and otherwise needs it', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        expect(yield* cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]);
        expect(yield* caught(cond.waitFor(() => false))).toBeInstanceOf(InvalidStateError);
      })(),
    );
  });

  test('notify(n) wakes n waiters, in arrival order, and never more than wait', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        const result: number[] = [];
        function* c(n: number): Coro<boolean> {
          yield* cond.acquire();
          if (yield* cond.wait()) {
            result.push(n);
            cond.release();
          }
          return true;
        }
        const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
        yield* sleep(0);
        expect(result).toEqual([]);

        yield* cond.acquire();
        cond.notify(1);
        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1]);

        yield* cond.acquire();
        cond.notify(1);
        cond.notify(2048);
        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1, 2, 3]);
        for (const t of tasks) expect(t.result()).toBe(true);
      })(),
    );
  });

  test('notifyAll wakes every waiter', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        const result: number[] = [];
        function* c(n: number): Coro<boolean> {
          yield* cond.acquire();
          if (yield* cond.wait()) {
            result.push(n);
            cond.release();
          }
          return true;
        }
        const t1 = createTask(c(1));
        const t2 = createTask(c(2));
        yield* sleep(0);
        expect(result).toEqual([]);

        yield* cond.acquire();
        cond.notifyAll();
        cond.release();
        yield* sleep(0);
        expect(result).toEqual([1, 2]);
        expect(t1.result()).toBe(true);
        expect(t2.result()).toBe(true);
      })(),
    );
  });

  test('notify and notifyAll without the lock throw InvalidStateError', () => {
    const cond = new Condition();
    expect(() => cond.notify()).toThrow(InvalidStateError);
    expect(() => cond.notify()).toThrow(
      'Condition.notify(): the lock is not acquired; notify while holding it (using _ = yield* cond.hold())',
    );
    expect(() => cond.notifyAll()).toThrow(
      'Condition.notifyAll(): the lock is not acquired; notify while holding it (using _ = yield* cond.hold())',
    );
  });

  test('notify rejects a count that is not an integer >= 0', () => {
    const cond = new Condition();
    cond.acquire().next();
    expect(() => cond.notify(-1)).toThrow(RangeError);
    expect(() => cond.notify(-1)).toThrow(
      'Condition.notify(): n must be an integer >= 0 (how many waiters to wake), got -1 (a number); notifyAll() wakes them all',
    );
    expect(() => cond.notify(1.5)).toThrow(RangeError);
    expect(() => cond.notify(NaN)).toThrow(RangeError);
    expect(() => cond.notify('2' as unknown as number)).toThrow(TypeError);
    expect(() => cond.notify('2' as unknown as number)).toThrow(
      'Condition.notify(): n must be an integer >= 0 (how many waiters to wake), got "2" (a string)',
    );
    cond.notify(0);
    cond.notify(Infinity);
  });

  test('waitFor rejects a predicate that is not a function', () => {
    const cond = new Condition();
    expect(() => cond.waitFor(true as unknown as () => boolean).next()).toThrow(TypeError);
    expect(() => cond.waitFor(true as unknown as () => boolean).next()).toThrow(
      'Condition.waitFor(): predicate must be a function, got true (a boolean); for example cond.waitFor(() => queue.length > 0)',
    );
  });

  test('the constructor takes a Lock or nothing', () => {
    expect(() => new Condition({} as Lock)).toThrow(TypeError);
    expect(() => new Condition({} as Lock)).toThrow('Condition(): lock must be a Lock, or omitted for a new one, got an object');
    expect(new Condition(null)._lock).toBeInstanceOf(Lock);
  });

  test('release of an unlocked condition throws InvalidStateError', () => {
    const cond = new Condition();
    expect(() => cond.release()).toThrow(InvalidStateError);
    expect(() => cond.release()).toThrow('Condition.release(): the lock is unlocked; release only a lock you acquired');
  });

  test('toString shows the lock state and the waiters', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        expect(String(cond)).toBe('<Condition [unlocked]>');
        yield* cond.acquire();
        expect(String(cond)).toBe('<Condition [locked]>');
        cond.release();
        function* waiter(): Coro<void> {
          using _ = yield* cond.hold();
          yield* cond.waitFor(() => false);
        }
        const waiters = [createTask(waiter()), createTask(waiter())];
        yield* sleep(0);
        expect(String(cond)).toBe('<Condition [unlocked, waiters:2]>');
        for (const w of waiters) w.cancel();
        yield* sleep(0);
        expect(String(cond)).toBe('<Condition [unlocked]>');
      })(),
    );
  });

  test('hold() takes the lock for the block', () => {
    simulate(
      (function* (): Coro<void> {
        const cond = new Condition();
        expect(cond.locked()).toBe(false);
        {
          using _ = yield* cond.hold();
          expect(cond.locked()).toBe(true);
        }
        expect(cond.locked()).toBe(false);
      })(),
    );
  });

  test('a condition over a shared lock locks and unlocks that lock', () => {
    simulate(
      (function* (): Coro<void> {
        function* f(lock?: Lock, cond?: Condition): Coro<void> {
          lock ??= new Lock();
          cond ??= new Condition(lock);
          expect(cond._lock).toBe(lock);
          expect(lock.locked()).toBe(false);
          expect(cond.locked()).toBe(false);
          {
            using _ = yield* cond.hold();
            expect(lock.locked()).toBe(true);
            expect(cond.locked()).toBe(true);
          }
          expect(lock.locked()).toBe(false);
          expect(cond.locked()).toBe(false);
          {
            using _ = yield* lock.hold();
            expect(lock.locked()).toBe(true);
            expect(cond.locked()).toBe(true);
          }
          expect(lock.locked()).toBe(false);
          expect(cond.locked()).toBe(false);
        }
        yield* f();
        yield* f(new Lock());
        const lock = new Lock();
        yield* f(lock, new Condition(lock));
      })(),
    );
  });

  test('a condition bound to one loop refuses to wait on another', () => {
    const cond = new Condition();
    simulate(
      (function* (): Coro<void> {
        yield* cond.acquire();
        const waiter = createTask(cond.wait());
        yield* sleep(0);
        yield* cond.acquire();
        cond.notify();
        cond.release();
        yield* waiter;
        cond.release();
      })(),
    );
    const loop = newVirtualEventLoop();
    try {
      expect(() =>
        loop.runUntilComplete(
          (function* (): Coro<void> {
            yield* cond.acquire();
            yield* cond.wait();
          })(),
        ),
      ).toThrow(/^Condition\.wait\(\): <Condition \[locked\]> is bound to a different event loop/);
      // It checked before releasing the lock: the condition is still held.
      expect(cond.locked()).toBe(true);
    } finally {
      loop.close();
    }
  });

  test('waitFor with a timeout inside the lock times out and gives the lock back', () => {
    simulate(
      (function* (): Coro<void> {
        const condition = new Condition();
        using _ = yield* condition.hold();
        expect(yield* caught(waitFor(condition.wait(), 0.5))).toBeInstanceOf(TimeoutError);
        expect(getRunningLoop().time()).toBe(0.5);
        expect(condition.locked()).toBe(true);
      })(),
    );
  });

  test('a cancellation while waiting for the notify is re-raised unchanged', () => {
    simulate(
      (function* (): Coro<void> {
        let raised: unknown = null;
        const cond = new Condition();
        const task = createTask(
          (function* (): Coro<void> {
            using _ = yield* cond.hold();
            raised = yield* caught(cond.waitFor(() => false));
            throw raised;
          })(),
        );
        yield* sleep(0);
        task.cancel('foo');
        const err = yield* caught(task);
        expect(err).toBeInstanceOf(CancelledError);
        expect((err as CancelledError).message).toBe('foo');
        expect(err).toBe(raised);
      })(),
    );
  });

  test('a cancellation while re-acquiring the lock is re-raised unchanged', () => {
    simulate(
      (function* (): Coro<void> {
        let wake = false;
        let raised: unknown = null;
        const cond = new Condition();
        const task = createTask(
          (function* (): Coro<void> {
            using _ = yield* cond.hold();
            raised = yield* caught(cond.waitFor(() => wake));
            throw raised;
          })(),
        );
        yield* sleep(0);
        yield* cond.acquire();
        wake = true;
        cond.notify();
        yield* sleep(0);
        // The task now waits to re-acquire the lock: cancel it there.
        task.cancel('foo');
        cond.release();
        const err = yield* caught(task);
        expect(err).toBeInstanceOf(CancelledError);
        expect((err as CancelledError).message).toBe('foo');
        expect(err).toBe(raised);
      })(),
    );
  });

  function* consumer(condition: Condition, state: { value: number }): Coro<void> {
    using _ = yield* condition.hold();
    for (;;) {
      yield* condition.waitFor(() => state.value !== 0);
      if (state.value < 0) return;
      state.value -= 1;
    }
  }

  test('a notified waiter cancelled before it runs passes the notification on (gh-112202)', () => {
    // Two consumers wait. We produce one item and notify one; then the notified
    // consumer is cancelled before it runs. The notification must reach the other
    // consumer, which consumes the item.
    simulate(
      (function* (): Coro<void> {
        const condition = new Condition();
        const state = { value: 0 };
        const c = [createTask(consumer(condition, state)), createTask(consumer(condition, state))];
        yield* sleep(0);
        {
          using _ = yield* condition.hold();
          state.value += 1;
          condition.notify(1);
          c[0].cancel();
          try {
            yield* timeout(0.01, function* () {
              yield* condition.waitFor(() => state.value === 0);
            });
          } catch (exc) {
            if (!(exc instanceof TimeoutError)) throw exc;
          }
          expect(state.value).toBe(0);
          state.value = -1;
          condition.notifyAll();
        }
        yield* c[1];
        expect(c[0].cancelled()).toBe(true);
      })(),
    );
  });

  test('a notified waiter cancelled while it re-acquires the lock passes the notification on', () => {
    simulate(
      (function* (): Coro<void> {
        const condition = new Condition();
        const state = { value: 0 };
        const c = [createTask(consumer(condition, state)), createTask(consumer(condition, state))];
        yield* sleep(0);
        {
          using _ = yield* condition.hold();
          state.value += 1;
          condition.notify(1);
          // Let the notified consumer wake and queue for the lock we hold.
          yield* sleep(0);
          c[0].cancel();
          try {
            yield* timeout(0.01, function* () {
              yield* condition.waitFor(() => state.value === 0);
            });
          } catch (exc) {
            if (!(exc instanceof TimeoutError)) throw exc;
          }
          expect(state.value).toBe(0);
          state.value = -1;
          condition.notifyAll();
        }
        yield* c[1];
        expect(c[0].cancelled()).toBe(true);
      })(),
    );
  });
});
