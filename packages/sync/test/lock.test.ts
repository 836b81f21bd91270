/**
 * Lock, ported from CPython's Lib/test/test_asyncio/test_locks.py (LockTests, 3.14),
 * plus the cases our API adds (hold(), loop binding, pinned messages). Everything runs
 * on the virtual clock; `yield* sleep(0)` is one loop pass, as asyncio's sleep(0) is.
 */
import {
  CancelledError,
  DeadlockError,
  InvalidStateError,
  createTask,
  getRunningLoop,
  newVirtualEventLoop,
  simulate,
  sleep,
  type Coro,
} from '@yieldio/core';
import { Lock } from '@yieldio/sync';
import { caught } from './helpers';

describe('Lock', () => {
  test('a new lock is unlocked and shows its state and waiters in toString', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        expect(String(lock)).toBe('<Lock [unlocked]>');
        yield* lock.acquire();
        expect(String(lock)).toBe('<Lock [locked]>');
        const waiter = createTask(lock.acquire());
        yield* sleep(0);
        expect(String(lock)).toBe('<Lock [locked, waiters:1]>');
        lock.release();
        yield* waiter;
        expect(lock.locked()).toBe(true);
      })(),
    );
  });

  test('acquire returns true and waiters get the lock in arrival order', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        const result: number[] = [];
        expect(yield* lock.acquire()).toBe(true);

        function* c(n: number): Coro<boolean> {
          if (yield* lock.acquire()) result.push(n);
          return true;
        }
        const t1 = createTask(c(1));
        const t2 = createTask(c(2));
        yield* sleep(0);
        expect(result).toEqual([]);

        lock.release();
        yield* sleep(0);
        expect(result).toEqual([1]);
        yield* sleep(0);
        expect(result).toEqual([1]);

        const t3 = createTask(c(3));
        lock.release();
        yield* sleep(0);
        expect(result).toEqual([1, 2]);

        lock.release();
        yield* sleep(0);
        expect(result).toEqual([1, 2, 3]);
        for (const t of [t1, t2, t3]) {
          expect(t.done()).toBe(true);
          expect(t.result()).toBe(true);
        }
      })(),
    );
  });

  test('a cancelled acquire leaves no waiter behind', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        yield* lock.acquire();
        const task = createTask(lock.acquire());
        getRunningLoop().callSoon(() => task.cancel());
        expect(yield* caught(task)).toBeInstanceOf(CancelledError);
        expect(lock._waiters.length).toBe(0);
        expect(lock.locked()).toBe(true);
      })(),
    );
  });

  test('a waiter cancelled while the holder releases does not break the hand-off', () => {
    // Several tasks:
    // - A acquires the lock
    // - B is blocked in acquire()
    // - C is blocked in acquire()
    //
    // Now, concurrently:
    // - B is cancelled
    // - A releases the lock
    //
    // B's waiter is cancelled but not yet removed from the queue when A releases:
    // release() must not try to wake it (that would throw), and C must still get the
    // lock once B has left.
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        const loop = getRunningLoop();
        function* lockit(blocker: ReturnType<typeof loop.createFuture> | null): Coro<void> {
          yield* lock.acquire();
          try {
            if (blocker !== null) yield* blocker;
          } finally {
            lock.release();
          }
        }
        const fa = loop.createFuture();
        const ta = createTask(lockit(fa));
        yield* sleep(0);
        expect(lock.locked()).toBe(true);
        const tb = createTask(lockit(null));
        yield* sleep(0);
        expect(lock._waiters.length).toBe(1);
        const tc = createTask(lockit(null));
        yield* sleep(0);
        expect(lock._waiters.length).toBe(2);

        fa.setResult(null);
        tb.cancel();
        expect(lock._waiters.at(0).cancelled()).toBe(true);
        yield* sleep(0);
        expect(lock.locked()).toBe(false);
        expect(ta.done()).toBe(true);
        expect(tb.cancelled()).toBe(true);
        yield* tc;
        expect(lock.locked()).toBe(false);
      })(),
    );
  });

  test('cancelling the woken waiter as the lock is released lets only one task in (bpo-32734)', () => {
    // Acquire the lock, queue three waiters, then in one callback cancel the first and
    // release: exactly one waiter (the second) may take the lock.
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        const loop = getRunningLoop();
        let lockCount = 0;
        let callCount = 0;
        function* lockit(): Coro<void> {
          callCount++;
          yield* lock.acquire();
          lockCount++;
        }
        yield* lock.acquire();
        const t1 = createTask(lockit());
        const t2 = createTask(lockit());
        const t3 = createTask(lockit());
        yield* sleep(0);

        loop.callSoon(() => {
          t1.cancel();
          lock.release();
        });
        expect(yield* caught(t1)).toBeInstanceOf(CancelledError);

        expect(lockCount).toBe(1);
        expect(callCount).toBe(3);
        expect(t1.cancelled() && t2.done()).toBe(true);

        t3.cancel();
        yield* sleep(0);
        expect(t3.cancelled()).toBe(true);
      })(),
    );
  });

  test('a woken waiter that is cancelled passes the wake-up to the next waiter', () => {
    // The classic race: release() wakes B, then B is cancelled before it runs. B never
    // takes the lock, so it must wake C, or C waits forever behind a free lock.
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        yield* lock.acquire();
        const tb = createTask(lock.acquire());
        yield* sleep(0);
        expect(lock._waiters.length).toBe(1);

        const tc = createTask(lock.acquire());
        tb.cancel();
        lock.release();
        yield* sleep(0);

        expect(lock.locked()).toBe(true);
        expect(tb.cancelled()).toBe(true);
        expect(yield* tc).toBe(true);
      })(),
    );
  });

  test('a waiter woken and then cancelled, with another queued, hands the lock on', () => {
    // A holds; B and C wait. A releases (B is woken), then B is cancelled before it runs.
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        yield* lock.acquire();
        const tb = createTask(lock.acquire(), { name: 'B' });
        const tc = createTask(lock.acquire(), { name: 'C' });
        yield* sleep(0);
        lock.release();
        expect(lock._waiters.at(0).done()).toBe(true);
        tb.cancel();
        yield* sleep(0);
        expect(tb.cancelled()).toBe(true);
        // C was woken by B's cancellation path and runs on the next pass.
        yield* sleep(0);
        expect(tc.done()).toBe(true);
        expect(lock.locked()).toBe(true);
      })(),
    );
  });

  test('no barging: a newcomer queues behind a woken waiter even while the lock is free', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        const order: string[] = [];
        yield* lock.acquire();
        const waiter = createTask(
          (function* (): Coro<void> {
            yield* lock.acquire();
            order.push('waiter');
            lock.release();
          })(),
        );
        yield* sleep(0);
        lock.release();
        // Free this instant, but the woken waiter is still queued: we must wait behind it.
        expect(lock.locked()).toBe(false);
        yield* lock.acquire();
        order.push('newcomer');
        lock.release();
        yield* waiter;
        expect(order).toEqual(['waiter', 'newcomer']);
      })(),
    );
  });

  test('acquire goes ahead when every queued waiter is cancelled', () => {
    // B waits; B is cancelled (its future is cancelled, but B has not run yet to leave
    // the queue); the holder releases. A newcomer need not queue behind B.
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        yield* lock.acquire();
        const blocked = createTask(lock.acquire());
        yield* sleep(0);
        blocked.cancel();
        lock.release();
        expect(lock._waiters.at(0).cancelled()).toBe(true);
        const acquire = lock.acquire();
        expect(acquire.next()).toEqual({ done: true, value: true });
        yield* sleep(0);
        expect(blocked.cancelled()).toBe(true);
        expect(lock.locked()).toBe(true);
        expect(lock._waiters.length).toBe(0);
      })(),
    );
  });

  test('release of an unlocked lock throws InvalidStateError', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(InvalidStateError);
    expect(() => lock.release()).toThrow(
      'Lock.release(): the lock is unlocked; release only a lock you acquired (yield* lock.acquire(), or using _ = yield* lock.hold())',
    );
  });

  test('release with no waiters unlocks', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        yield* lock.acquire();
        expect(lock.locked()).toBe(true);
        lock.release();
        expect(lock.locked()).toBe(false);
      })(),
    );
  });

  test('an uncontended acquire needs no running loop and binds to none', () => {
    const lock = new Lock();
    const acquire = lock.acquire();
    expect(acquire.next()).toEqual({ done: true, value: true });
    expect(lock.locked()).toBe(true);
    expect(lock._loop).toBe(null);
    lock.release();
  });

  test('a lock bound to one loop refuses to make a task of another loop wait', () => {
    const lock = new Lock();
    simulate(
      (function* (): Coro<void> {
        yield* lock.acquire();
        const waiter = createTask(lock.acquire());
        yield* sleep(0);
        lock.release();
        yield* waiter;
        lock.release();
      })(),
    );
    const loop = newVirtualEventLoop();
    try {
      expect(() =>
        loop.runUntilComplete(
          (function* (): Coro<void> {
            yield* lock.acquire();
            yield* lock.acquire();
          })(),
        ),
      ).toThrow(
        'Lock.acquire(): <Lock [locked]> is bound to a different event loop (the first one that waited on it); ' +
          'create one primitive per event loop, inside the code that loop runs',
      );
    } finally {
      loop.close();
    }
  });

  test('a task that waits on a lock no one will release is named in the DeadlockError', () => {
    const run = () =>
      simulate(
        (function* (): Coro<void> {
          const lock = new Lock();
          yield* lock.acquire();
          yield* lock.acquire();
        })(),
      );
    expect(run).toThrow(DeadlockError);
    expect(run).toThrow(
      'task "Task-1" waits for Lock.acquire() on <Lock [locked, waiters:1]>, held by task "Task-1"\n' +
        '  cycle: task "Task-1" -> task "Task-1" (a Lock is not reentrant: the task waits for a lock it holds)',
    );
  });

  test('a blocked acquire outside any loop says a running loop is needed', () => {
    const lock = new Lock();
    lock.acquire().next();
    expect(() => lock.acquire().next()).toThrow(InvalidStateError);
    expect(() => lock.acquire().next()).toThrow(/^Lock\.acquire\(\): no running event loop/);
  });
  test('acquire() driven by hand keeps the coroutine protocol: closed while waiting it leaves the queue, and finished it stays finished', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        yield* lock.acquire();
        const waiting = lock.acquire();
        const first = waiting.next();
        expect(first.done).toBe(false);
        expect(String(first.value)).toBe('<Future pending Lock.acquire()>');
        expect(lock._waiters.length).toBe(1);
        expect(waiting.return(true)).toEqual({ done: true, value: true });
        expect(lock._waiters.length).toBe(0);
        expect(waiting.next()).toEqual({ done: true, value: undefined });
        lock.release();
        expect(lock.locked()).toBe(false);

        // Never started: throw() ends it without touching the lock.
        const unstarted = lock.acquire();
        expect(() => unstarted.throw(new Error('stop'))).toThrow('stop');
        expect(unstarted.next()).toEqual({ done: true, value: undefined });
        expect(lock.locked()).toBe(false);

        // Free: it takes the lock at its first step and returns true, once.
        const again = lock.acquire();
        expect(again.next()).toEqual({ done: true, value: true });
        expect(again.next()).toEqual({ done: true, value: undefined });
        expect(lock.locked()).toBe(true);
      })(),
    );
  });
});
