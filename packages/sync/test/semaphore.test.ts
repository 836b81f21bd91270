/**
 * Semaphore and BoundedSemaphore, ported from CPython's
 * Lib/test/test_asyncio/test_locks.py (SemaphoreTests, 3.14, with the fairness cases
 * added in 3.11.x-3.13), plus the errors our API pins. Virtual clock throughout.
 */
import {
  CancelledError,
  InvalidStateError,
  createTask,
  gather,
  getRunningLoop,
  simulate,
  sleep,
  taskGroup,
  waitFor,
  type Coro,
  type Task,
} from '@yieldio/core';
import { BoundedSemaphore, Semaphore } from '@yieldio/sync';
import { caught } from './helpers';

describe('Semaphore', () => {
  test('a semaphore created at zero is locked', () => {
    expect(new Semaphore(0).locked()).toBe(true);
  });

  test('the default value is 1', () => {
    const sem = new Semaphore();
    expect(sem._value).toBe(1);
    expect(sem.locked()).toBe(false);
  });

  test('toString shows the value while unlocked, and the waiters', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore();
        expect(String(sem)).toBe('<Semaphore [unlocked, value:1]>');
        yield* sem.acquire();
        expect(String(sem)).toBe('<Semaphore [locked]>');
        const waiters = [createTask(sem.acquire()), createTask(sem.acquire())];
        yield* sleep(0);
        expect(String(sem)).toBe('<Semaphore [locked, waiters:2]>');
        expect(String(new BoundedSemaphore(2))).toBe('<BoundedSemaphore [unlocked, value:2]>');
        for (const w of waiters) w.cancel();
        yield* sleep(0);
      })(),
    );
  });

  test('a bad initial value throws at construction', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(-1)).toThrow(
      'Semaphore(): value must be an integer >= 0, got -1 (a number); the number of tasks that may hold it at once, for example new Semaphore(3)',
    );
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow('Semaphore(): value must be an integer >= 0, got 1.5 (a number);');
    expect(() => new Semaphore(NaN)).toThrow(RangeError);
    expect(() => new Semaphore('2' as unknown as number)).toThrow(TypeError);
    expect(() => new Semaphore('2' as unknown as number)).toThrow('Semaphore(): value must be an integer >= 0, got "2" (a string);');
    expect(() => new BoundedSemaphore(-3)).toThrow(
      'BoundedSemaphore(): value must be an integer >= 0, got -3 (a number); the number of tasks that may hold it at once, for example new BoundedSemaphore(3)',
    );
  });

  test('acquire takes a slot; waiters take the released slots in order, and newcomers queue behind them', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(3);
        const result: number[] = [];
        expect(yield* sem.acquire()).toBe(true);
        expect(yield* sem.acquire()).toBe(true);
        expect(sem.locked()).toBe(false);

        function* c(n: number): Coro<boolean> {
          yield* sem.acquire();
          result.push(n);
          return true;
        }
        const t1 = createTask(c(1));
        const t2 = createTask(c(2));
        const t3 = createTask(c(3));
        yield* sleep(0);
        expect(result).toEqual([1]);
        expect(sem.locked()).toBe(true);
        expect(sem._waiters.length).toBe(2);
        expect(sem._value).toBe(0);

        const t4 = createTask(c(4));
        sem.release();
        sem.release();
        // Each release reserved its slot for a woken waiter.
        expect(sem._value).toBe(0);

        yield* sleep(0);
        expect(sem._value).toBe(0);
        expect(result.length).toBe(3);
        expect(sem.locked()).toBe(true);
        expect(sem._waiters.length).toBe(1);
        expect(t1.result()).toBe(true);
        const raceTasks = [t2, t3, t4];
        expect(raceTasks.filter((t) => t.done() && t.result()).length).toBe(2);

        sem.release();
        yield* gather(raceTasks);
      })(),
    );
  });

  test('a cancelled acquire leaves no live waiter behind', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore();
        yield* sem.acquire();
        const acquire = createTask(sem.acquire());
        getRunningLoop().callSoon(() => acquire.cancel());
        expect(yield* caught(acquire)).toBeInstanceOf(CancelledError);
        expect(sem._waiters.length).toBe(0);
      })(),
    );
  });

  test('waiters cancelled before the release are skipped, and the slot goes to the next', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(0);
        const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => createTask(sem.acquire()));
        yield* sleep(0);
        t1.cancel();
        t2.cancel();
        sem.release();
        yield* sleep(0);
        yield* sleep(0);
        expect([t3, t4].filter((t) => t.done()).length).toBe(1);
        expect(t3.done()).toBe(true);
        expect(t4.done()).toBe(false);
        t3.cancel();
        t4.cancel();
        yield* sleep(0);
      })(),
    );
  });

  test('a release past a cancelled waiter does not hang the next one', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(0);
        const t1 = createTask(sem.acquire());
        const t2 = createTask(sem.acquire());
        yield* sleep(0);
        t1.cancel();
        sem.release();
        yield* sleep(0);
        yield* sleep(0);
        expect(sem.locked()).toBe(true);
        expect(t2.done()).toBe(true);
      })(),
    );
  });

  test('a woken waiter cancelled before it runs gives its slot back', () => {
    // c1 holds the only slot; c2 waits. c1 releases (reserving the slot for c2), then
    // cancels c2 before c2 runs. The slot must come back: a later acquire succeeds.
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(1);
        let t2: Task<void> | null = null;
        const t1 = createTask(
          (function* (): Coro<void> {
            {
              using _ = yield* sem.hold();
              yield* sleep(0);
            }
            t2!.cancel();
          })(),
        );
        t2 = createTask(
          (function* (): Coro<void> {
            using _ = yield* sem.hold();
            throw new Error('c2 must not get the slot');
          })(),
        );
        const [r1, r2] = yield* gather([t1, t2], { returnExceptions: true });
        expect(r1).toBe(undefined);
        expect(r2).toBeInstanceOf(CancelledError);
        expect(yield* waitFor(sem.acquire(), 1.0)).toBe(true);
      })(),
    );
  });

  test('release with no waiters unlocks', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore();
        yield* sem.acquire();
        expect(sem.locked()).toBe(true);
        sem.release();
        expect(sem.locked()).toBe(false);
      })(),
    );
  });

  test('tasks that release and re-acquire take turns in FIFO order', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(1);
        const result: string[] = [];
        function* coro(tag: string): Coro<void> {
          yield* sem.acquire();
          result.push(`${tag}_1`);
          yield* sleep(0.01);
          sem.release();

          yield* sem.acquire();
          result.push(`${tag}_2`);
          yield* sleep(0.01);
          sem.release();
        }
        yield* taskGroup(function* (tg) {
          tg.createTask(coro('c1'));
          tg.createTask(coro('c2'));
          tg.createTask(coro('c3'));
        });
        expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
      })(),
    );
  });

  test('a task that releases and re-acquires at once queues behind the woken waiters', () => {
    // c2 releases its slot and asks again in the same step; c3 was woken first, so c2
    // must wait for it even though a slot is free at the moment c2 asks.
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(1);
        const result: number[] = [];
        const t1 = createTask(
          (function* (): Coro<void> {
            yield* sem.acquire();
            result.push(1);
          })(),
        );
        const t2 = createTask(
          (function* (): Coro<void> {
            yield* sem.acquire();
            result.push(2);
            sem.release();
            yield* sem.acquire();
            result.push(4);
          })(),
        );
        const t3 = createTask(
          (function* (): Coro<void> {
            yield* sem.acquire();
            result.push(3);
          })(),
        );
        yield* sleep(0);
        sem.release();
        sem.release();
        yield* gather(t1, t2, t3);
        expect(result).toEqual([1, 2, 3, 4]);
      })(),
    );
  });

  test('a waiter cancelled while queued is skipped by later releases', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(0);
        const result: number[] = [];
        function* c(n: number): Coro<void> {
          yield* sem.acquire();
          result.push(n);
        }
        const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
        yield* sleep(0);
        tasks[0].cancel();
        yield* sleep(0);
        sem.release();
        sem.release();
        yield* gather(tasks, { returnExceptions: true });
        expect(result).toEqual([2, 3]);
      })(),
    );
  });

  test('a successful acquire wakes every waiter that queued only because of the FIFO rule', () => {
    // c2 releases three times while c1 (woken) has not run yet: one slot is reserved
    // for c1, two stay free, but c2 and c3 must queue behind c1. When c1 runs it must
    // wake both of them at once; a task c1 creates then runs after c3, not before c2.
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(0);
        const result: number[] = [];
        let t4: Task<void> | null = null;
        function* c4(): Coro<void> {
          result.push(4);
        }
        const t1 = createTask(
          (function* (): Coro<void> {
            expect(sem._value).toBe(0);
            yield* sem.acquire();
            // Every waiter is awake now.
            expect(sem._value).toBe(0);
            t4 = createTask(c4());
            result.push(1);
          })(),
        );
        const t2 = createTask(
          (function* (): Coro<void> {
            sem.release();
            sem.release();
            sem.release();
            expect(sem._value).toBe(2);
            // Locked, because c1 has not woken up yet.
            expect(sem.locked()).toBe(true);
            yield* sem.acquire();
            result.push(2);
          })(),
        );
        const t3 = createTask(
          (function* (): Coro<void> {
            yield* sem.acquire();
            expect(sem.locked()).toBe(true);
            result.push(3);
          })(),
        );
        yield* sleep(0);
        // Three tasks are queued; the first has not woken up yet.
        expect(sem._value).toBe(2);
        expect(sem._waiters.length).toBe(3);
        yield* sleep(0);
        yield* gather(t1, t2, t3, t4!);
        expect(result).toEqual([1, 2, 3, 4]);
      })(),
    );
  });

  test('hold() takes a slot for the block and gives it back on throw', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new Semaphore(2);
        {
          using _a = yield* sem.hold();
          using _b = yield* sem.hold();
          expect(sem._value).toBe(0);
          expect(sem.locked()).toBe(true);
        }
        expect(sem._value).toBe(2);
        const err = yield* caught(
          (function* (): Coro<void> {
            using _ = yield* sem.hold();
            throw new Error('boom');
          })(),
        );
        expect((err as Error).message).toBe('boom');
        expect(sem._value).toBe(2);
      })(),
    );
  });
});

describe('BoundedSemaphore', () => {
  test('a release above the initial value throws InvalidStateError', () => {
    const sem = new BoundedSemaphore();
    expect(() => sem.release()).toThrow(InvalidStateError);
    expect(() => sem.release()).toThrow(
      'BoundedSemaphore.release(): released too many times: the value is already 1, its initial value; release only what you acquired',
    );
  });

  test('releases up to the initial value are fine, one more is not', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new BoundedSemaphore(2);
        yield* sem.acquire();
        yield* sem.acquire();
        sem.release();
        sem.release();
        expect(() => sem.release()).toThrow(
          'BoundedSemaphore.release(): released too many times: the value is already 2, its initial value; release only what you acquired',
        );
        expect(sem._value).toBe(2);
      })(),
    );
  });

  test('a release is checked against the free slots: one reserved for a woken waiter counts as taken (as asyncio)', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new BoundedSemaphore(1);
        yield* sem.acquire();
        const waiter = createTask(sem.acquire());
        yield* sleep(0);
        sem.release(); // reserved for the waiter: the value stays 0
        expect(() => sem.release()).not.toThrow();
        expect(() => sem.release()).toThrow(InvalidStateError);
        yield* waiter;
      })(),
    );
  });
});
