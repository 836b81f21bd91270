/**
 * A DeadlockError names what each task waits on (the primitive, and in debug mode the
 * line that made it) and, for a Lock, the task that holds it; tasks waiting on each
 * other are printed as a cycle. The primitives tell core through `waiterOf` and
 * `holder()` (core's public API), so the report needs no knowledge of sync.
 */
import { inspect } from 'node:util';
import type { Coro } from '@yieldio/core';
import { DeadlockError, createTask, simulate, sleep } from '@yieldio/core';
import { Barrier, Condition, Event, Lock, Semaphore } from '@yieldio/sync';

function deadlockOf(main: () => Coro<unknown>, debug = false): DeadlockError {
  try {
    simulate(main(), { debug });
  } catch (exc) {
    if (exc instanceof DeadlockError) return exc;
    throw exc;
  }
  throw new Error('expected a DeadlockError');
}

/** The report lines, without the first (the time and count). */
function linesOf(exc: DeadlockError): string[] {
  return exc.message.split('\n').slice(1);
}

describe('deadlock reports name who holds what', () => {
  test('two tasks taking two locks in opposite orders are printed as a cycle, each lock with its holder', () => {
    const exc = deadlockOf(function* () {
      const a = new Lock();
      const b = new Lock();
      function* take(first: Lock, second: Lock): Coro<void> {
        yield* first.acquire();
        yield* sleep(1);
        yield* second.acquire();
      }
      const left = createTask(take(a, b), { name: 'left' });
      const right = createTask(take(b, a), { name: 'right' });
      yield* left;
      yield* right;
    });
    expect(linesOf(exc)).toEqual([
      '  task "Task-1" waits for task "left"',
      '  task "left" waits for Lock.acquire() on <Lock [locked, waiters:1]>, held by task "right"',
      '  task "right" waits for Lock.acquire() on <Lock [locked, waiters:1]>, held by task "left"',
      '  cycle: task "left" -> task "right" -> task "left"',
    ]);
  });

  test('a lock held by a task that ended without releasing it says so', () => {
    const exc = deadlockOf(function* () {
      const lock = new Lock();
      yield* createTask(
        (function* () {
          yield* lock.acquire();
        })(),
        { name: 'forgetful' },
      );
      yield* lock.acquire();
    });
    expect(linesOf(exc)).toEqual([
      '  task "Task-1" waits for Lock.acquire() on <Lock [locked, waiters:1]>, held by task "forgetful", which is done and never released it',
    ]);
  });

  test('Event, Semaphore, Condition and Barrier waiters are named by their primitive', () => {
    const exc = deadlockOf(function* () {
      const event = new Event();
      const sem = new Semaphore(0);
      const cond = new Condition();
      const barrier = new Barrier(2);
      const tasks = [
        createTask(event.wait(), { name: 'e' }),
        createTask(sem.acquire(), { name: 's' }),
        createTask(
          (function* () {
            yield* cond.acquire();
            yield* cond.wait();
          })(),
          { name: 'c' },
        ),
        createTask(barrier.wait(), { name: 'b' }),
      ];
      for (const task of tasks) yield* task;
    });
    expect(linesOf(exc)).toEqual([
      '  task "Task-1" waits for task "e"',
      '  task "e" waits for Event.wait() on <Event [unset, waiters:1]>',
      '  task "s" waits for Semaphore.acquire() on <Semaphore [locked, waiters:1]>',
      '  task "c" waits for Condition.wait() on <Condition [unlocked, waiters:1]>',
      '  task "b" waits for Barrier.wait() on <Barrier [filling, waiters:1/2]>',
    ]);
  });

  test('in debug mode a primitive is named by the line that created it', () => {
    const exc = deadlockOf(function* () {
      const event = new Event();
      yield* event.wait();
    }, true);
    expect(linesOf(exc)[0]).toMatch(/^ {2}task "Task-1" waits for Event\.wait\(\) on <Event \[unset, waiters:1\]> \(created at .*deadlock-report\.test\.ts:\d+:\d+\)$/);
  });

  test('Node prints an uncaught DeadlockError as its stack alone, without the tasks inside', () => {
    const exc = deadlockOf(function* () {
      yield* new Event().wait();
    });
    const printed = inspect(exc);
    expect(printed).toBe(exc.stack);
    expect(printed).not.toContain('_futWaiter');
    expect(Object.keys(exc)).toEqual([]);
    expect(exc.blocked).toHaveLength(1);
  });
});
