/**
 * The twenty mistakes a new user makes (issue #17), each with what the user sees: the
 * error thrown, or the report that reaches the loop's exception handler. Messages are
 * pinned whole, so a change to one is a decision, not an accident. Debug mode is named
 * where a mistake is caught only there (as asyncio's "was never awaited").
 */
import type { Coro, EventLoop, ExceptionContext } from '@yieldio/core';
import {
  DeadlockError,
  InvalidStateError,
  createTask,
  gather,
  getRunningLoop,
  newVirtualEventLoop,
  rethrowIfCancelled,
  run,
  simulate,
  sleep,
  taskGroup,
  timeout,
  toThread,
} from '@yieldio/core';
import { Lock } from '@yieldio/sync';
import { Queue } from '@yieldio/queues';
import { openConnection, startServer } from '@yieldio/net';
import '@yieldio/threads';

/** Run `main` on the virtual clock; return what reached the exception handler. */
function reportsOf(main: () => Coro<unknown>, options: { debug?: boolean } = {}): string[] {
  const reports: ExceptionContext[] = [];
  simulate(
    (function* () {
      getRunningLoop().setExceptionHandler((_loop: EventLoop, context: ExceptionContext) => reports.push(context));
      yield* main();
    })(),
    options,
  );
  return reports.map((r) => r.message);
}

/** What `fn` throws. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (exc) {
    return exc as Error;
  }
  throw new Error('expected a throw');
}

/** What the coroutine throws, run on the virtual clock. */
function failureOf(main: () => Coro<unknown>, options: { debug?: boolean } = {}): Error {
  return thrownBy(() => simulate(main(), options));
}

function* child(): Coro<number> {
  yield* sleep(0.1);
  return 1;
}

describe('never driven', () => {
  test('1. sleep() without yield* (debug mode): "coroutine sleep() was never awaited"', () => {
    const reports = reportsOf(
      function* () {
        sleep(0.2); // the mistake
        yield* sleep(1);
      },
      { debug: true },
    );
    expect(reports).toEqual([
      'coroutine sleep() was never awaited, so it never ran; await it: yield* sleep(...), or run it alongside: createTask(sleep(...))',
    ]);
  });

  test('2. gather(a(), b()) without yield* (debug mode): "gather() was never awaited"', () => {
    const reports = reportsOf(
      function* () {
        gather(child(), child()); // the mistake
        yield* sleep(1);
      },
      { debug: true },
    );
    expect(reports).toEqual(['gather() was never awaited, so its results and errors went nowhere; await it: yield* gather(...)']);
  });

  test('3. q.get() or lock.acquire() without yield* (debug mode): named by its method', () => {
    const reports = reportsOf(
      function* () {
        const q = new Queue<number>();
        q.putNowait(1);
        q.get(); // the mistake
        new Lock().acquire(); // the same mistake
        yield* sleep(0);
      },
      { debug: true },
    );
    expect(reports.sort()).toEqual([
      'coroutine lock.acquire() was never awaited, so it never ran; await it: yield* lock.acquire(...), or run it alongside: createTask(lock.acquire(...))',
      'coroutine queue.get() was never awaited, so it never ran; await it: yield* queue.get(...), or run it alongside: createTask(queue.get(...))',
    ]);
  });

  test('4. await on a coroutine from async code (debug mode): rejected with what to do', async () => {
    const loop = newVirtualEventLoop({ debug: true });
    const coro = (() => {
      // A coroutine made by yieldio inside a debug loop, then awaited from async code.
      let made: Coro<undefined> | undefined;
      loop.runUntilComplete(
        (function* () {
          made = sleep(1);
        })(),
      );
      return made!;
    })();
    loop.close();
    await expect((async () => await coro)()).rejects.toThrow(
      new TypeError(
        'coroutine sleep() was awaited with await, which does not run it; inside a function* write yield* sleep(...), ' +
          'and from async code run the coroutine on a loop: await run(main())',
      ),
    );
  });
});

describe('entry points', () => {
  test('5. run(main) without calling main', () => {
    function* main(): Coro<void> {}
    expect(() => run(main as unknown as Coro<void>)).toThrow(
      new TypeError('run(): expected a coroutine, got generator function main; call it to get a coroutine: main()'),
    );
  });

  test('6. run(promise) outside a loop: no wrapPromise hint, which needs a loop', () => {
    const promise = Promise.resolve(1);
    expect(() => run(promise as unknown as Coro<number>)).toThrow(
      new TypeError(
        'run(): expected a coroutine, got a Promise; outside a running loop, await it instead (await promise), ' +
          'or write the coroutine as a generator function: function* main() { ... }, then run(main())',
      ),
    );
  });

  test('7. run() inside a coroutine', () => {
    const exc = failureOf(function* () {
      void run(child());
    });
    expect(exc).toEqual(new InvalidStateError('run(): cannot be called from a running event loop; await the coroutine instead: yield* coro'));
  });
});

describe('bad yields', () => {
  test('8. yield promise (a bare yield of a Promise)', () => {
    const exc = failureOf(function* () {
      yield Promise.resolve(1) as never;
    });
    expect(exc).toEqual(new TypeError('<Task pending name="Task-1"> yielded a Promise; wrap it in a future: yield* wrapPromise(promise)'));
  });

  test('9. yield sleep(1) instead of yield* sleep(1): the message names sleep', () => {
    const exc = failureOf(function* () {
      yield sleep(1) as never;
    });
    expect(exc).toEqual(
      new TypeError('<Task pending name="Task-1"> yielded coroutine sleep() instead of delegating to it; write yield* sleep(...), not yield sleep(...)'),
    );
  });

  test('10. yield* fn without calling it (JavaScript; TypeScript rejects it: TS2488)', () => {
    const exc = failureOf(function* () {
      // @ts-expect-error TS2488: a generator function has no [Symbol.iterator]: call it.
      yield* child;
    });
    expect(exc).toBeInstanceOf(TypeError);
    expect(exc.message).toBe(
      '<Task pending name="Task-1"> failed with "function is not iterable (cannot read property Symbol(Symbol.iterator))": ' +
        'if it came from yield* fn, call the generator function: yield* fn(), not yield* fn',
    );
  });

  test('11. yield* on an async function call (JavaScript; TypeScript rejects it: TS2488)', () => {
    async function fetchIt(): Promise<number> {
      return 1;
    }
    const exc = failureOf(function* () {
      // @ts-expect-error TS2488: a Promise has no [Symbol.iterator]: wrap it in a future.
      yield* fetchIt();
    });
    expect(exc.message).toBe(
      '<Task pending name="Task-1"> failed with "yield* (intermediate value) is not iterable": yield* works on coroutines ' +
        'and futures only; a Promise must be wrapped: yield* wrapPromise(promise), and a generator function called: yield* fn()',
    );
  });
});

describe('lost errors and swallowed cancellations', () => {
  test('12. a task created, never awaited, that fails: "Task exception was never retrieved"', () => {
    const reports = reportsOf(function* () {
      createTask(
        (function* () {
          yield* sleep(0.1);
          throw new Error('lost');
        })(),
      );
      yield* sleep(1);
    });
    expect(reports).toEqual(['Task exception was never retrieved']);
  });

  test('13. a catch-all retry loop ignores the cancellation at the end of run: named, not a hang', () => {
    const reports = reportsOf(function* () {
      createTask(
        (function* () {
          for (;;) {
            try {
              yield* sleep(1);
            } catch {
              // the mistake: no rethrowIfCancelled(e)
            }
          }
        })(),
        { name: 'poller' },
      );
      yield* sleep(0.5);
    });
    expect(reports).toEqual([
      '<Task cancelling name="poller" waiting for <SleepFuture pending sleep()>> ignored its cancellation: 5 seconds after the tasks ' +
        'left at the end were cancelled, it has not finished (a catch that swallows CancelledError in a loop? a cleanup that ' +
        'waits for ever?); it is left behind and the loop closed. Let cancellations through: catch (e) { rethrowIfCancelled(e); ... }; ' +
        'run with { debug: true } to see where the task was created',
    ]);
  });

  test('14. a timeout() body that swallows the deadline (debug mode)', () => {
    const reports = reportsOf(
      function* () {
        yield* timeout(1, function* () {
          try {
            yield* sleep(10);
          } catch {
            // the mistake
          }
        });
      },
      { debug: true },
    );
    expect(reports).toEqual([
      'timeout(): the body caught the CancelledError that its deadline sent and went on, so timeout() could not stop it; ' +
        'let cancellations through: catch (e) { rethrowIfCancelled(e); ... }',
    ]);
  });

  test('the fix for 13 and 14: rethrowIfCancelled first in every catch-all', () => {
    const exc = failureOf(function* () {
      yield* timeout(1, function* () {
        try {
          yield* sleep(10);
        } catch (e) {
          rethrowIfCancelled(e);
        }
      });
    });
    expect(exc.name).toBe('TimeoutError');
  });
});

describe('waiting for ever', () => {
  test('15. two locks taken in opposite orders: the DeadlockError prints the cycle and the holders', () => {
    const exc = failureOf(function* () {
      const a = new Lock();
      const b = new Lock();
      function* take(first: Lock, second: Lock): Coro<void> {
        yield* first.acquire();
        yield* sleep(1);
        yield* second.acquire();
      }
      yield* taskGroup(function* (tg) {
        tg.createTask(take(a, b), { name: 'left' });
        tg.createTask(take(b, a), { name: 'right' });
      });
    });
    expect(exc).toBeInstanceOf(DeadlockError);
    expect(exc.message.split('\n').slice(1)).toEqual([
      '  task "Task-1" waits for <Future pending taskGroup() waiting for its tasks>',
      '  task "left" waits for Lock.acquire() on <Lock [locked, waiters:1]>, held by task "right"',
      '  task "right" waits for Lock.acquire() on <Lock [locked, waiters:1]>, held by task "left"',
      '  cycle: task "left" -> task "right" -> task "left"',
    ]);
  });

  test('16. a Queue.get with no producer under simulate(): the DeadlockError names the queue', () => {
    const exc = failureOf(function* () {
      const q = new Queue<string>();
      yield* q.get();
    });
    expect(exc).toBeInstanceOf(DeadlockError);
    expect(exc.message).toBe(
      'deadlock at virtual time 0: nothing is ready, no timer is pending, and 1 task(s) wait on something no one will complete:\n' +
        '  task "Task-1" waits for Queue.get() on <Queue maxsize=0 qsize=0 getters=1>',
    );
  });

  test('17. a primitive used from two loops', () => {
    const lock = new Lock();
    function* holdBriefly(): Coro<void> {
      yield* lock.acquire();
      yield* lock.acquire(); // waits: binds the lock to this loop
    }
    const first = newVirtualEventLoop();
    first.createTask(holdBriefly());
    first.runUntilComplete(sleep(0));
    first.close();
    const exc = failureOf(function* () {
      yield* lock.acquire();
    });
    expect(exc).toEqual(
      new InvalidStateError(
        'Lock.acquire(): <Lock [locked, waiters:1]> is bound to a different event loop (the first one that waited on it); ' +
          'create one primitive per event loop, inside the code that loop runs',
      ),
    );
  });
});

describe('hints that lead somewhere true', () => {
  test('18. gather(a, b, { returnExceptions: true }): options need the array form', () => {
    const exc = failureOf(function* () {
      yield* gather(child(), child(), { returnExceptions: true } as never);
    });
    expect(exc).toEqual(
      new TypeError(
        'gather(): options go with the array form; got them as argument 3 of gather(a, b, { returnExceptions }); ' +
          'write gather([a, b], { returnExceptions: true })',
      ),
    );
  });

  test('19. toThread(fn) where fn calls another function: define it in the thread, do not pass it', async () => {
    function double(x: number): number {
      return 2 * x;
    }
    function work(n: number): number {
      return double(n) + 1;
    }
    const exc = await run(toThread(work, 20)).catch((e: unknown) => e as Error);
    expect((exc as Error).message).toBe(
      'function work calls `double`, which does not exist in the worker thread: a function run in a thread must be ' +
        'self-contained, and functions cannot be passed to it (they cannot be cloned); define `double` inside the ' +
        'function you run, or in a module that function imports (await import(...) inside it)',
    );
  });

  test('20. a line over the limit on the server side names startServer(..., { limit })', async () => {
    const message = await run(
      timeout(10, function* () {
        let seen = '';
        const server = yield* startServer(
          function* (reader, writer) {
            try {
              yield* reader.readline();
            } catch (e) {
              seen = (e as Error).message;
            }
            writer.close();
          },
          '127.0.0.1',
          0,
          { limit: 8 },
        );
        const port = (server.sockets[0]!.getsockname() as [string, number])[1];
        const [reader, writer] = yield* openConnection('127.0.0.1', port);
        writer.write(new TextEncoder().encode('a line much longer than eight bytes\n'));
        yield* reader.read();
        writer.close();
        server.close();
        yield* server.waitClosed();
        return seen;
      }),
    );
    expect(message).toBe(
      'readline(): Separator is found, but chunk is longer than limit (limit 8 bytes); the line was discarded. ' +
        'Raise the limit: startServer(clientConnectedCb, host, port, { limit })',
    );
  });
});
