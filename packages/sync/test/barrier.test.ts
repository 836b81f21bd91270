/**
 * Barrier, ported from CPython's Lib/test/test_asyncio/test_locks.py (BarrierTests,
 * 3.14), plus the cancellation cases the issue asks for and the errors our API pins.
 * asyncio's `async with barrier as i:` is `const i = yield* barrier.wait()` here.
 */
import { CancelledError, createTask, gather, simulate, sleep, wait, type Coro, type Task } from '@yieldio/core';
import { Barrier, BrokenBarrierError } from '@yieldio/sync';
import { caught } from './helpers';

const N = 5;

function makeTasks<T>(n: number, coro: () => Coro<T>): Task<T>[] {
  return Array.from({ length: n }, () => createTask(coro()));
}

function* gatherTasks<T>(n: number, coro: () => Coro<T>): Coro<T[]> {
  return (yield* gather(makeTasks(n, coro))) as T[];
}

function run(main: () => Coro<void>): void {
  simulate(main());
}

describe('Barrier', () => {
  test('a new barrier is filling', () => {
    const barrier = new Barrier(N);
    expect(String(barrier)).toBe('<Barrier [filling, waiters:0/5]>');
    expect(barrier.parties).toBe(N);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
  });

  test('toString follows the barrier through filling, draining, resetting and broken', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const waiters: Task<number>[] = [];
      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      expect(String(barrier)).toBe(`<Barrier [filling, waiters:${incr}/${N}]>`);

      // The missing waiters: the last one trips the barrier.
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      expect(String(barrier)).toBe(`<Barrier [draining, waiters:0/${N}]>`);

      for (let i = 0; i < incr; i++) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      yield* barrier.reset();
      expect(String(barrier)).toBe(`<Barrier [resetting, waiters:0/${N}]>`);

      for (let i = 0; i < incr; i++) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      yield* barrier.abort();
      expect(String(barrier)).toBe('<Barrier [broken]>');
      expect(barrier.broken).toBe(true);

      yield* gather(waiters, { returnExceptions: true });
    });
  });

  test('parties must be an integer >= 1', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(0)).toThrow(
      'Barrier(): parties must be an integer >= 1, got 0 (a number); the number of tasks that must wait before all are released, for example new Barrier(3)',
    );
    expect(() => new Barrier(-4)).toThrow(RangeError);
    expect(() => new Barrier(2.5)).toThrow('Barrier(): parties must be an integer >= 1, got 2.5 (a number);');
    expect(() => new Barrier('3' as unknown as number)).toThrow(TypeError);
    expect(() => new Barrier(undefined as unknown as number)).toThrow('Barrier(): parties must be an integer >= 1, got undefined;');
    expect(new Barrier(N)).toBeInstanceOf(Barrier);
  });

  test('each of the parties gets a distinct arrival index', () => {
    run(function* () {
      const barrier = new Barrier(3);
      const results: number[] = [];
      yield* gatherTasks(3, function* () {
        results.push(yield* barrier.wait());
      });
      expect(results.sort()).toEqual([0, 1, 2]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('a barrier of one party releases its one waiter at once', () => {
    run(function* () {
      const barrier = new Barrier(1);
      expect(yield* barrier.wait()).toBe(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('a barrier of one party passes two waiters one after the other', () => {
    run(function* () {
      const barrier = new Barrier(1);
      const t1 = createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      const t2 = createTask(barrier.wait());
      yield* sleep(0);
      expect(t1.result()).toBe(t2.result());
      expect(t1.done()).toBe(t2.done());
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('nWaiting counts the tasks as they arrive', () => {
    run(function* () {
      const barrier = new Barrier(3);
      const t1 = createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      expect(String(barrier)).toContain('filling');
      const t2 = createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t3 = createTask(barrier.wait());
      yield* sleep(0);
      yield* wait([t1, t2, t3]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('the same tasks can pass the barrier twice', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const indices = yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        results.push(true);
        const i = yield* barrier.wait();
        results.push(false);
        return i;
      });
      expect(results.filter((r) => r).length).toBe(N);
      expect(results.filter((r) => !r).length).toBe(N);
      expect([...indices].sort()).toEqual([0, 1, 2, 3, 4]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('the barrier drains until the last released task leaves', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        results.push(String(barrier).includes('draining'));
      });
      expect(results.length).toBe(N);
      expect(results[N - 1]).toBe(false);
      expect(results.slice(0, N - 1).every((r) => r)).toBe(true);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('tasks arriving while the barrier drains wait for the next cycle', () => {
    run(function* () {
      const rewait = 2;
      const barrier = new Barrier(N);
      const barrierNoWaiting = new Barrier(N - rewait);
      let rewaitN = rewait;
      // Succeeds only if barrierNoWaiting is waited for exactly N - rewait times, and
      // the rewait tasks are held back until those join them for the second cycle.
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        if (rewaitN > 0) {
          rewaitN--;
          yield* barrier.wait();
        } else {
          yield* barrierNoWaiting.wait();
          yield* barrier.wait();
        }
      });
      expect(barrier.nWaiting).toBe(0);
    });
  });

  test('a waiter cancelled while the barrier fills takes its arrival back', () => {
    run(function* () {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      function* coro(): Coro<void> {
        yield* barrier.wait();
        results.push(true);
      }
      const t1 = createTask(coro());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      const t2 = createTask(coro());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);

      t1.cancel();
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      expect(yield* caught(t1)).toBeInstanceOf(CancelledError);
      expect(t1.cancelled()).toBe(true);

      const t3 = createTask(coro());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t4 = createTask(coro());
      yield* gather(t2, t3, t4);
      expect(results).toEqual([true, true, true]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('a waiter cancelled after the barrier tripped, before it runs, is cancelled; the rest pass', () => {
    // A and B wait; C arrives and trips the barrier (draining); A is cancelled before it
    // runs. asyncio: A's wait() re-acquires the condition's lock and raises
    // CancelledError (not its index), it leaves the count, and the barrier drains
    // normally: B and C get their indices, and it is filling again, unbroken.
    run(function* () {
      const barrier = new Barrier(3);
      const a = createTask(barrier.wait());
      const b = createTask(barrier.wait());
      yield* sleep(0);
      const c = createTask(barrier.wait());
      yield* sleep(0);
      expect(String(barrier)).toContain('draining');
      a.cancel();
      expect(yield* caught(a)).toBeInstanceOf(CancelledError);
      expect(yield* b).toBe(1);
      expect(yield* c).toBe(2);
      expect(String(barrier)).toBe('<Barrier [filling, waiters:0/3]>');
      expect(barrier._count).toBe(0);
    });
  });

  test('a newcomer cancelled while blocked by a draining barrier never counts', () => {
    run(function* () {
      const barrier = new Barrier(2);
      const a = createTask(barrier.wait());
      const b = createTask(barrier.wait());
      yield* sleep(0); // a waits, b trips: draining until a has run
      const late = createTask(barrier.wait());
      yield* sleep(0); // a leaves (count 0: filling again); late arrives after
      expect(barrier.nWaiting).toBe(1);
      late.cancel();
      expect(yield* caught(late)).toBeInstanceOf(CancelledError);
      expect(barrier.nWaiting).toBe(0);
      expect([a.result(), b.result()]).toEqual([0, 1]);

      // Now block a newcomer in the draining state itself and cancel it there.
      const c = createTask(barrier.wait());
      const d = createTask(barrier.wait());
      const blocked = createTask(barrier.wait());
      yield* sleep(0); // c waits, d trips; blocked waits in _block (draining)
      expect(String(barrier)).toContain('draining');
      blocked.cancel();
      expect(yield* caught(blocked)).toBeInstanceOf(CancelledError);
      yield* gather(c, d);
      expect(barrier._count).toBe(0);
      expect(String(barrier)).toBe('<Barrier [filling, waiters:0/2]>');
    });
  });

  test('reset of an empty barrier leaves it filling', () => {
    run(function* () {
      const barrier = new Barrier(1);
      createTask(barrier.reset());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  test('reset while tasks wait gives each BrokenBarrierError', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const messages: string[] = [];
      const tasks = makeTasks(N - 1, function* () {
        const err = yield* caught(barrier.wait());
        expect(err).toBeInstanceOf(BrokenBarrierError);
        messages.push((err as Error).message);
        results.push(true);
      });
      yield* sleep(0);
      createTask(barrier.reset());
      yield* gather(tasks);
      expect(results.length).toBe(N - 1);
      expect(new Set(messages)).toEqual(new Set(['Barrier.wait(): the barrier was reset while this task waited']));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    });
  });

  test('abort while tasks wait gives each BrokenBarrierError, and the barrier stays broken', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const messages: string[] = [];
      const tasks = makeTasks(N - 1, function* () {
        const err = yield* caught(barrier.wait());
        expect(err).toBeInstanceOf(BrokenBarrierError);
        messages.push((err as Error).message);
      });
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(N - 1);
      yield* barrier.abort();
      yield* gather(tasks);
      expect(messages).toEqual(Array(N - 1).fill('Barrier.wait(): the barrier was aborted while this task waited'));
      expect(barrier.broken).toBe(true);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier._count).toBe(0);
      expect(String(barrier)).toBe('<Barrier [broken]>');
    });
  });

  test('reset by a drained task breaks only the tasks still inside', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const restOfTasks = Math.floor(N / 2);
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch (exc) {
          if (!(exc instanceof BrokenBarrierError)) throw exc;
          results1.push(true);
          return;
        }
        // Out of the barrier: reset once the right number is still inside.
        if (restOfTasks === barrier._count) yield* barrier.reset();
      });
      expect(results1).toEqual(Array(restOfTasks).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    });
  });

  test('reset with tasks half draining, half blocking: the blocked ones just wait again', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch (exc) {
          if (!(exc instanceof BrokenBarrierError)) throw exc;
          results1.push(true);
          yield* barrier.wait();
          return;
        }
        count++;
        if (count > blockingTasks) {
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
          } catch (exc) {
            if (!(exc instanceof BrokenBarrierError)) throw exc;
            results2.push(true);
          }
        }
      });
      expect(results1).toEqual(Array(blockingTasks).fill(true));
      expect(results2).toEqual([]);
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    });
  });

  test('tasks broken by a reset can wait again and complete a new cycle', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const tasks = makeTasks(N - 1, function* () {
        try {
          yield* barrier.wait();
        } catch (exc) {
          if (!(exc instanceof BrokenBarrierError)) throw exc;
          results1.push(true);
        } finally {
          yield* barrier.wait();
          results2.push(true);
        }
      });
      createTask(barrier.reset());
      yield* sleep(0);
      createTask(
        (function* (): Coro<void> {
          yield* barrier.wait();
          results2.push(true);
        })(),
      );
      yield* gather(tasks);
      expect(barrier.broken).toBe(false);
      expect(results1.length).toBe(N - 1);
      expect(results2.length).toBe(N);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  test('reset while tasks drain does not break them', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        count++;
        if (count === N) {
          // The last task out of the barrier.
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
            results1.push(true);
          } catch {
            results2.push(true);
          }
        }
        yield* barrier.wait();
        results3.push(true);
      });
      expect(barrier.broken).toBe(false);
      expect(results1.length).toBe(N - 1);
      expect(results2.length).toBe(0);
      expect(results3.length).toBe(N);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  test('abort of an empty barrier breaks it', () => {
    run(function* () {
      const barrier = new Barrier(1);
      createTask(barrier.abort());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(true);
      const err = yield* caught(barrier.wait());
      expect(err).toBeInstanceOf(BrokenBarrierError);
      expect((err as Error).message).toBe('Barrier.wait(): the barrier is broken (aborted); reset() it before waiting on it again');
      expect((err as Error).name).toBe('BrokenBarrierError');
    });
  });

  test('abort with tasks half draining, half blocking breaks them all', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: string[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch (exc) {
          if (!(exc instanceof BrokenBarrierError)) throw exc;
          results1.push(true);
          return;
        }
        count++;
        if (count > blockingTasks) {
          yield* barrier.abort();
        } else {
          const err = yield* caught(barrier.wait());
          expect(err).toBeInstanceOf(BrokenBarrierError);
          results2.push((err as Error).message);
        }
      });
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual(Array(blockingTasks).fill(true));
      expect(results2.length).toBe(N - blockingTasks - 1);
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
    });
  });

  test('a task that fails inside the barrier can abort it for everyone', () => {
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      yield* gatherTasks(N, function* () {
        try {
          const i = yield* barrier.wait();
          if (i === Math.floor(N / 2)) throw new RangeError('boom');
          yield* barrier.wait();
          results1.push(true);
        } catch (exc) {
          if (exc instanceof BrokenBarrierError) results2.push(true);
          else if (exc instanceof RangeError) yield* barrier.abort();
          else throw exc;
        }
      });
      expect(barrier.broken).toBe(true);
      expect(results1.length).toBe(0);
      expect(results2.length).toBe(N - 1);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  test('an aborted barrier can be reset and used again', () => {
    run(function* () {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      yield* gatherTasks(N, function* () {
        try {
          const i = yield* barrier1.wait();
          if (i === Math.floor(N / 2)) throw new RangeError('boom');
          yield* barrier1.wait();
          results1.push(true);
        } catch (exc) {
          if (exc instanceof BrokenBarrierError) results2.push(true);
          else if (exc instanceof RangeError) yield* barrier1.abort();
          else throw exc;
        }
        // Synchronise and reset barrier1: everyone has left it before the reset, and
        // no one enters it again before the reset is done.
        const i = yield* barrier2.wait();
        if (i === Math.floor(N / 2)) yield* barrier1.reset();
        yield* barrier2.wait();
        yield* barrier1.wait();
        results3.push(true);
      });
      expect(barrier1.broken).toBe(false);
      expect(results1.length).toBe(0);
      expect(results2.length).toBe(N - 1);
      expect(results3.length).toBe(N);
      expect(barrier1.nWaiting).toBe(0);
    });
  });
});
