/**
 * Executors (issue #7): toThread and loop.runInExecutor on @yieldio/threads' worker pool.
 *
 * Real clock, milliseconds: a CPU-heavy function spins in a thread while the loop keeps
 * its timers on time; values and errors cross intact; a closure is refused with an error
 * that names the variable; a cancelled task drops the thread's result; simulate() refuses
 * executors; run() shuts the default pool down, and a program that used it exits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  CancelledError,
  InvalidStateError,
  RealHost,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  simulate,
  sleep,
  toThread,
} from '@yieldio/core';
import type { Coro, ExceptionContext } from '@yieldio/core';
import { ThreadPoolExecutor, defaultMaxWorkers } from '@yieldio/threads';

/** Busy-waits `ms` milliseconds: self-contained, so it can cross to a thread. */
function spin(ms: number): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}

describe('toThread', () => {
  test('the loop keeps running (a timer fires on time) while a CPU-heavy function runs in a thread', async () => {
    function* main(): Coro<[number, number, number]> {
      const loop = getRunningLoop();
      // Warm a thread up first, so the timing below is not the thread's start-up.
      yield* toThread(spin, 0);
      const start = loop.time();
      let firedAt = -1;
      loop.callLater(0.05, () => {
        firedAt = loop.time() - start;
      });
      const spins = yield* toThread(spin, 400);
      return [firedAt, loop.time() - start, spins];
    }
    const [firedAt, took, spins] = await run(main());
    expect(spins).toBeGreaterThan(0);
    expect(took).toBeGreaterThanOrEqual(0.39);
    // On the loop's own thread the timer could only fire after the 400 ms spin.
    expect(firedAt).toBeGreaterThanOrEqual(0.05);
    expect(firedAt).toBeLessThan(0.25);
  });

  test('arguments and results are structured-cloned intact', async () => {
    function* main(): Coro<unknown> {
      return yield* toThread(
        (m: Map<string, number[]>, bytes: Uint8Array, when: Date, nested: { a: { b: bigint } }) => ({
          keys: [...m.keys()],
          sum: [...m.values()].flat().reduce((x, y) => x + y, 0),
          bytes: bytes.map((b) => b * 2),
          year: when.getUTCFullYear(),
          big: nested.a.b * 2n,
          set: new Set(['x']),
        }),
        new Map([
          ['a', [1, 2]],
          ['b', [3]],
        ]),
        new Uint8Array([1, 2, 3]),
        new Date(Date.UTC(2026, 10, 23)),
        { a: { b: 21n } },
      );
    }
    const result = (await run(main())) as { bytes: Uint8Array; set: Set<string> };
    // Cloned values are made in Node's realm, not jest's: compare their contents.
    expect({ ...result, bytes: [...result.bytes], set: [...result.set] }).toEqual({
      keys: ['a', 'b'],
      sum: 6,
      bytes: [2, 4, 6],
      year: 2026,
      big: 42n,
      set: ['x'],
    });
    expect(Object.prototype.toString.call(result.set)).toBe('[object Set]');
    expect(Object.prototype.toString.call(result.bytes)).toBe('[object Uint8Array]');
  });

  test('an async function runs in the thread and its Promise is awaited there', async () => {
    function* main(): Coro<number> {
      return yield* toThread(async (x: number) => (await Promise.resolve(x)) + 1, 41);
    }
    expect(await run(main())).toBe(42);
  });

  test('an exception thrown in the thread arrives as the awaited error, same name and message', async () => {
    function* main(): Coro<unknown[]> {
      const caught: unknown[] = [];
      try {
        yield* toThread((n: number) => {
          throw new RangeError(`too big: ${n}`);
        }, 7);
      } catch (exc) {
        caught.push(exc);
      }
      try {
        yield* toThread(() => {
          class QuotaError extends Error {
            override name = 'QuotaError';
          }
          throw new QuotaError('over quota');
        });
      } catch (exc) {
        caught.push(exc);
      }
      try {
        yield* toThread(() => {
          throw { code: 3 };
        });
      } catch (exc) {
        caught.push(exc);
      }
      return caught;
    }
    const [range, quota, plain] = (await run(main())) as [Error, Error, unknown];
    expect(range).toBeInstanceOf(RangeError);
    expect(range.name).toBe('RangeError');
    expect(range.message).toBe('too big: 7');
    expect(quota).toBeInstanceOf(Error);
    expect(quota.name).toBe('QuotaError');
    expect(quota.message).toBe('over quota');
    expect(plain).toEqual({ code: 3 });
  });

  test("an error keeps its own fields (a Node error's code), its cause and an AggregateError's members", async () => {
    function* main(): Coro<unknown[]> {
      return [
        // Blocking I/O is what threads are for: the caller tests the code, as on the loop's thread.
        yield* catching(toThread((path: string) => require('node:fs').readFileSync(path), '/no/such/file/yieldio')),
        yield* catching(
          toThread(() => {
            throw new Error('outer', { cause: Object.assign(new TypeError('inner'), { detail: [1, 2] }) });
          }),
        ),
        yield* catching(
          toThread(() => {
            throw new AggregateError([new RangeError('first'), 'second'], 'both failed');
          }),
        ),
      ];
    }
    const [fsError, chained, aggregate] = (await run(main())) as [NodeJS.ErrnoException, Error, AggregateError];
    expect(fsError).toBeInstanceOf(Error);
    expect(fsError.message).toBe("ENOENT: no such file or directory, open '/no/such/file/yieldio'");
    expect({ code: fsError.code, errno: fsError.errno, syscall: fsError.syscall, path: fsError.path }).toEqual({
      code: 'ENOENT',
      errno: -2,
      syscall: 'open',
      path: '/no/such/file/yieldio',
    });
    expect(chained.message).toBe('outer');
    expect(chained.cause).toBeInstanceOf(TypeError);
    expect(chained.cause).toEqual(new TypeError('inner'));
    expect((chained.cause as { detail: number[] }).detail).toEqual([1, 2]);
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect(aggregate.message).toBe('both failed');
    expect(aggregate.errors).toEqual([new RangeError('first'), 'second']);
    expect(aggregate.errors[0]).toBeInstanceOf(RangeError);
  });

  test('a result that cannot be cloned, or a method, fails the call with an error that says what to do', async () => {
    const shapes = {
      area(side: number): number {
        return side * side;
      },
    };
    function* main(): Coro<unknown[]> {
      return [
        yield* catching(toThread(function makeCounter() { return () => 1; })),
        yield* catching(toThread(shapes.area, 2)),
        yield* toThread((x: number) => x + 1, 1),
      ];
    }
    const [uncloned, method, after] = await run(main());
    expect(uncloned).toEqual(
      new TypeError(
        "function makeCounter returned a value that cannot be structured-cloned back to the loop's thread (() => 1 could not be cloned.); " +
          'return plain data (objects, arrays, Maps, typed arrays, Errors), not functions or generators',
      ),
    );
    expect(method).toEqual(
      new TypeError(
        "function area cannot be compiled from its source text in the worker thread (SyntaxError: Unexpected token '{'); " +
          'pass a function expression or an arrow function, not a method',
      ),
    );
    expect(after).toBe(2);
  });

  test('a function that closes over an outer variable is refused with an error naming it', async () => {
    const factor = 3;
    function triple(x: number): number {
      return x * factor;
    }
    function* main(): Coro<number> {
      return yield* toThread(triple, 2);
    }
    const err = await run(main()).catch((exc: unknown) => exc);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe(
      'function triple closes over `factor`, which does not exist in the worker thread: a function run in a thread ' +
        'must be self-contained; pass `factor` as an argument instead: toThread(fn, factor)',
    );
  });

  test('a function that calls an outer function is told to define it in the thread, not to pass it', async () => {
    function square(x: number): number {
      return x * x;
    }
    function sumOfSquares(n: number): number {
      let total = 0;
      for (let i = 1; i <= n; i++) total += square(i);
      return total;
    }
    function* main(): Coro<number> {
      return yield* toThread(sumOfSquares, 3);
    }
    const err = await run(main()).catch((exc: unknown) => exc);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe(
      'function sumOfSquares calls `square`, which does not exist in the worker thread: a function run in a thread ' +
        'must be self-contained, and functions cannot be passed to it (they cannot be cloned); define `square` ' +
        'inside the function you run, or in a module that function imports (await import(...) inside it)',
    );
  });

  test('a value that cannot be cloned fails the call, not the pool', async () => {
    function* main(): Coro<[unknown, number]> {
      const err = yield* catching(toThread((f: unknown) => typeof f, () => 1));
      return [err, yield* toThread((x: number) => x + 1, 1)];
    }
    const [err, after] = await run(main());
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/^ThreadPoolExecutor: the arguments of the function cannot cross to a thread/);
    expect(after).toBe(2);
  });

  test('a thread that exits fails its call with the exit code, and the pool starts another', async () => {
    function* main(): Coro<[unknown, number]> {
      const err = yield* catching(toThread(() => process.exit(3)));
      return [err, yield* toThread((x: number) => x + 1, 1)];
    }
    const [err, after] = await run(main());
    expect(err).toEqual(new Error('ThreadPoolExecutor: the worker thread exited (code 3) while running the job'));
    expect(after).toBe(2);
  });

  test('cancelling the awaiting task does not stop the thread, and its result is dropped', async () => {
    const reported: ExceptionContext[] = [];
    // Shared memory, so the test can see the thread finish after its task was cancelled.
    const finished = new Int32Array(new SharedArrayBuffer(4));
    function* main(): Coro<[boolean, number]> {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_loop, context) => void reported.push(context));
      const task = createTask(
        toThread(
          (ms: number, flag: Int32Array) => {
            const end = Date.now() + ms;
            while (Date.now() < end);
            Atomics.store(flag, 0, 1);
            return 'late';
          },
          150,
          finished,
        ),
      );
      yield* sleep(0.02);
      task.cancel();
      const cancelled = yield* catching(task);
      // The thread is still busy: the next call waits for it or takes another thread.
      const next = yield* toThread((x: number) => x * 2, 21);
      yield* sleep(0.2);
      return [cancelled instanceof CancelledError && task.cancelled(), next];
    }
    expect(await run(main())).toEqual([true, 42]);
    expect(Atomics.load(finished, 0)).toBe(1);
    expect(reported).toEqual([]);
  });
});

describe('runInExecutor', () => {
  test('runs on a given executor and returns a future; the pool never exceeds maxWorkers', async () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
    function* main(): Coro<[number[], number]> {
      const loop = getRunningLoop();
      const futs = [1, 2, 3, 4, 5].map((n) =>
        loop.runInExecutor(
          executor,
          (x: number) => {
            const end = Date.now() + 20;
            while (Date.now() < end);
            return x * x;
          },
          n,
        ),
      );
      let most = 0;
      const results: number[] = [];
      for (const fut of futs) {
        most = Math.max(most, executor.threadCount);
        results.push(yield* fut);
      }
      return [results, most];
    }
    const [results, most] = await run(main());
    expect(results).toEqual([1, 4, 9, 16, 25]);
    expect(most).toBeLessThanOrEqual(2);
    await executor.shutdown();
    expect(executor.state).toBe('shutdown');
    expect(executor.threadCount).toBe(0);
  });

  test('a thread runs each function by what it was sent first; one that failed to compile fails every time', async () => {
    // One thread, so every call after the first of a function finds it compiled there.
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const shapes = {
      area(side: number): number {
        return side * side;
      },
    };
    const double = (x: number): number => x * 2;
    const square = (x: number): number => x * x;
    const sameTextAsDouble = (x: number): number => x * 2;
    function* main(): Coro<unknown[]> {
      const loop = getRunningLoop();
      const call = <A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Coro<unknown> =>
        (function* () {
          try {
            return yield* loop.runInExecutor(executor, fn, ...args);
          } catch (exc) {
            return (exc as Error).message.slice(0, 46);
          }
        })();
      return [
        yield* call(double, 1),
        yield* call(square, 3),
        yield* call(shapes.area, 2),
        yield* call(double, 4),
        yield* call(shapes.area, 2),
        yield* call(sameTextAsDouble, 5),
        yield* call(square, 6),
      ];
    }
    const results = await run(main());
    const compileFailed = 'function area cannot be compiled from its sour';
    expect(results).toEqual([2, 9, compileFailed, 8, compileFailed, 10, 36]);
    expect(executor.threadCount).toBe(1);
    await executor.shutdown();
  });

  test('run() shuts the default executor down: its threads are gone and it takes no more work', async () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    function* main(): Coro<number> {
      getRunningLoop().setDefaultExecutor(executor);
      return yield* toThread((x: number) => x + 1, 1);
    }
    expect(await run(main())).toBe(2);
    expect(executor.state).toBe('shutdown');
    expect(executor.threadCount).toBe(0);
    expect(() => executor.submit((x: number) => x, [1])).toThrow(
      new InvalidStateError('ThreadPoolExecutor.submit(): cannot take new work after shutdown() (state: shutdown)'),
    );
  });

  test('closing a loop lets its default executor go without waiting, as asyncio does', async () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    const loop = newEventLoop();
    loop.setDefaultExecutor(executor);
    const fut = loop.runInExecutor(null, () => 'made before close');
    await loop.runUntilComplete(fut);
    expect(executor.threadCount).toBe(1);
    loop.close();
    expect(executor.state).not.toBe('running');
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(
      new InvalidStateError('runInExecutor(): the event loop is closed; create a new one (newEventLoop()) or use run()'),
    );
    for (let i = 0; i < 100 && executor.threadCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(executor.threadCount).toBe(0);
  });

  test('after shutdownDefaultExecutor() the default executor takes no new work', async () => {
    function* main(): Coro<unknown> {
      const loop = getRunningLoop();
      yield* toThread(() => 1);
      yield* loop.shutdownDefaultExecutor();
      return yield* catching(toThread(() => 2));
    }
    const err = await run(main());
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toBe('toThread(): shutdownDefaultExecutor() was called; the default executor takes no new work');
  });

  test('bad arguments fail at the call', async () => {
    function* main(): Coro<unknown[]> {
      const loop = getRunningLoop();
      const errors: unknown[] = [];
      for (const call of [
        () => loop.runInExecutor(null, 42 as unknown as () => void),
        () => loop.runInExecutor({} as never, () => 1),
        () => loop.runInExecutor(null, Math.max),
      ]) {
        try {
          call();
        } catch (exc) {
          errors.push((exc as Error).message);
        }
      }
      return errors;
    }
    expect(await run(main())).toEqual([
      'runInExecutor(): expected a function to run in a thread, got 42 (a number)',
      expect.stringMatching(/^runInExecutor\(\): expected an executor \(with submit and shutdown\) or null for the default, got /),
      'ThreadPoolExecutor.submit(): function max is built in or bound, so it has no source text to send to a thread; ' +
        'wrap it in a self-contained function: (x) => Math.sqrt(x)',
    ]);
  });

  test('without @yieldio/threads the real host has no default executor, and says what to import', async () => {
    const saved = RealHost.defaultExecutorFactory;
    RealHost.defaultExecutorFactory = null;
    try {
      function* main(): Coro<number> {
        return yield* toThread(() => 1);
      }
      await expect(run(main())).rejects.toThrow(
        new InvalidStateError(
          "toThread(): this event loop's host has no default executor; import '@yieldio/threads' to install the worker-thread pool, " +
            'or pass one: loop.setDefaultExecutor(executor)',
        ),
      );
    } finally {
      RealHost.defaultExecutorFactory = saved;
    }
  });

  test('the default pool size is min(availableParallelism, 4)', () => {
    expect(defaultMaxWorkers()).toBeGreaterThanOrEqual(1);
    expect(defaultMaxWorkers()).toBeLessThanOrEqual(4);
    expect(() => new ThreadPoolExecutor({ maxWorkers: 0 })).toThrow(
      new RangeError('ThreadPoolExecutor(): maxWorkers must be an integer >= 1, got 0 (a number)'),
    );
  });
});

describe('inside simulate()', () => {
  const message = (caller: string): string =>
    `${caller}: executors are not available inside simulate(): a thread's result could never arrive on the ` +
    'synchronous virtual clock; run this under run() instead';

  test('toThread raises a clear error', () => {
    function* main(): Coro<number> {
      return yield* toThread(() => 1);
    }
    expect(() => simulate(main())).toThrow(new InvalidStateError(message('toThread()')));
  });

  test('runInExecutor raises a clear error, even with an executor of its own', () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    function* main(): Coro<unknown> {
      return getRunningLoop().runInExecutor(executor, () => 1);
    }
    expect(() => simulate(main())).toThrow(new InvalidStateError(message('runInExecutor()')));
    expect(executor.threadCount).toBe(0);
  });

  test('setDefaultExecutor raises the same error at the call', () => {
    const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
    function* main(): Coro<void> {
      getRunningLoop().setDefaultExecutor(executor);
    }
    expect(() => simulate(main())).toThrow(new InvalidStateError(message('setDefaultExecutor()')));
  });
});

describe('process exit', () => {
  test('a program that used toThread exits once run() returns', async () => {
    const root = join(__dirname, '../../..');
    const dir = mkdtempSync(join(tmpdir(), 'yieldio-threads-'));
    try {
      const script = join(dir, 'main.cjs');
      await build({
        stdin: {
          contents: `
            import { run, toThread, getRunningLoop } from '@yieldio/core';
            import '@yieldio/threads';
            function* main() {
              getRunningLoop().callLater(0.01, () => {});
              return yield* toThread((a, b) => a + b, 2, 3);
            }
            run(main()).then((v) => console.log('result', v));
          `,
          resolveDir: root,
          loader: 'ts',
        },
        alias: {
          '@yieldio/core': join(root, 'packages/core/src/index.ts'),
          '@yieldio/threads': join(root, 'packages/threads/src/index.ts'),
        },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: script,
        logLevel: 'silent',
      });
      const start = Date.now();
      const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = execFile(process.execPath, [script], { timeout: 10_000 }, (err, out) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout: out }),
        );
        child.stdin?.end();
      });
      expect(stdout.trim()).toBe('result 5');
      expect(code).toBe(0);
      expect(Date.now() - start).toBeLessThan(5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Await `aw` and return what it threw (or undefined). */
function* catching(aw: Iterable<unknown> & object): Coro<unknown> {
  try {
    yield* aw as Coro<unknown>;
  } catch (exc) {
    return exc;
  }
  return undefined;
}
