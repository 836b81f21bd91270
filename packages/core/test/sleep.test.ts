/**
 * sleep(): ported from CPython's Lib/test/test_asyncio/test_tasks.py (3.14, SleepTests and
 * test_sleep_*), on the virtual clock.
 */
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  newVirtualEventLoop,
  run,
  simulate,
  sleep,
  type Coro,
} from '@yieldio/core';
import { raises, runBriefly } from './fixtures/helpers';



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
