/**
 * Event, ported from CPython's Lib/test/test_asyncio/test_locks.py (EventTests, 3.14),
 * on the virtual clock.
 */
import { CancelledError, createTask, getRunningLoop, simulate, sleep, type Coro } from '@yieldio/core';
import { Event } from '@yieldio/sync';
import { caught } from './helpers';

describe('Event', () => {
  test('toString shows whether it is set and how many wait', () => {
    simulate(
      (function* (): Coro<void> {
        const ev = new Event();
        expect(String(ev)).toBe('<Event [unset]>');
        const waiter = createTask(ev.wait());
        yield* sleep(0);
        expect(String(ev)).toBe('<Event [unset, waiters:1]>');
        ev.set();
        expect(String(ev)).toBe('<Event [set, waiters:1]>');
        yield* waiter;
        expect(String(ev)).toBe('<Event [set]>');
      })(),
    );
  });

  test('set wakes every waiter; a wait that starts after the set returns at once', () => {
    simulate(
      (function* (): Coro<void> {
        const ev = new Event();
        expect(ev.isSet()).toBe(false);
        const result: number[] = [];
        function* c(n: number): Coro<void> {
          if (yield* ev.wait()) result.push(n);
        }
        const t1 = createTask(c(1));
        const t2 = createTask(c(2));
        yield* sleep(0);
        expect(result).toEqual([]);

        const t3 = createTask(c(3));
        ev.set();
        yield* sleep(0);
        // t3 starts in this pass and finds the flag set; t1 and t2 were woken by set().
        expect(result).toEqual([3, 1, 2]);
        for (const t of [t1, t2, t3]) {
          expect(t.done()).toBe(true);
          expect(t.result()).toBe(undefined);
        }
      })(),
    );
  });

  test('wait on a set event returns true without suspending', () => {
    const ev = new Event();
    ev.set();
    expect(ev.wait().next()).toEqual({ done: true, value: true });
  });

  test('a cancelled wait leaves no waiter behind', () => {
    simulate(
      (function* (): Coro<void> {
        const ev = new Event();
        const wait = createTask(ev.wait());
        getRunningLoop().callSoon(() => wait.cancel());
        expect(yield* caught(wait)).toBeInstanceOf(CancelledError);
        expect(ev._waiters.length).toBe(0);
      })(),
    );
  });

  test('clear lowers the flag', () => {
    const ev = new Event();
    expect(ev.isSet()).toBe(false);
    ev.set();
    expect(ev.isSet()).toBe(true);
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  test('a waiter woken by set returns true even if clear ran before it did', () => {
    simulate(
      (function* (): Coro<void> {
        const ev = new Event();
        const result: number[] = [];
        const t = createTask(
          (function* (): Coro<boolean> {
            if (yield* ev.wait()) result.push(1);
            return true;
          })(),
        );
        yield* sleep(0);
        expect(result).toEqual([]);

        ev.set();
        ev.clear();
        expect(ev.isSet()).toBe(false);
        ev.set();
        ev.set();
        expect(ev._waiters.length).toBe(1);

        yield* sleep(0);
        expect(result).toEqual([1]);
        expect(ev._waiters.length).toBe(0);
        expect(t.done()).toBe(true);
        expect(t.result()).toBe(true);
      })(),
    );
  });

  test('a waiter cancelled before set does not keep the others from waking', () => {
    // A, B and C wait; B is cancelled; then set(). A and C must both wake, and B's
    // cancelled future must be skipped rather than set (which would throw).
    simulate(
      (function* (): Coro<void> {
        const ev = new Event();
        const woken: string[] = [];
        function* waiter(name: string): Coro<void> {
          yield* ev.wait();
          woken.push(name);
        }
        const a = createTask(waiter('A'));
        const b = createTask(waiter('B'));
        const c = createTask(waiter('C'));
        yield* sleep(0);
        b.cancel();
        ev.set();
        yield* a;
        yield* c;
        expect(yield* caught(b)).toBeInstanceOf(CancelledError);
        expect(woken).toEqual(['A', 'C']);
        expect(ev._waiters.length).toBe(0);
      })(),
    );
  });

  test('a waiter cancelled after set still leaves the flag set for everyone', () => {
    simulate(
      (function* (): Coro<void> {
        const ev = new Event();
        const a = createTask(ev.wait());
        const b = createTask(ev.wait());
        yield* sleep(0);
        ev.set();
        a.cancel();
        expect(yield* caught(a)).toBeInstanceOf(CancelledError);
        expect(yield* b).toBe(true);
        expect(ev.isSet()).toBe(true);
        expect(yield* ev.wait()).toBe(true);
      })(),
    );
  });
});
