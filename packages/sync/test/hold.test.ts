/**
 * hold(): asyncio's `async with lock:` as `using _ = yield* lock.hold();`. The lock is
 * released whichever way the block is left: return, throw, a cancellation thrown in at a
 * `yield*` inside it, or the generator being closed with `return()`.
 *
 * These tests run through ts-jest, which compiles for target ES2022: `using` is lowered
 * to TypeScript's `__addDisposableResource`/`__disposeResources` helpers, which look up
 * `Symbol.dispose` at run time. Node has it from 20.4 (and 18.18); build.test.ts checks
 * the same in the shipped (esbuild) build.
 */
import ts from 'typescript';
import { CancelledError, createTask, getRunningLoop, simulate, sleep, type Coro } from '@yieldio/core';
import { BoundedSemaphore, Condition, Lock, Semaphore, type HoldCoro } from '@yieldio/sync';
import { caught } from './helpers';

describe('hold()', () => {
  test('Symbol.dispose exists on this Node (20.4+)', () => {
    expect(typeof Symbol.dispose).toBe('symbol');
  });

  test('TypeScript lowers using for a Node 20 target (ES2022) to helpers', () => {
    const source = 'function* f(lock) { using _ = yield* lock.hold(); yield; }';
    const out = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    expect(out).toContain('__addDisposableResource');
    expect(out).toContain('__disposeResources');
    expect(out).not.toMatch(/\busing\s+_/);
  });

  const primitives: Array<[string, () => { locked(): boolean; hold(): HoldCoro }]> = [
    ['Lock', () => new Lock()],
    ['Condition', () => new Condition()],
    ['Semaphore', () => new Semaphore(1)],
    ['BoundedSemaphore', () => new BoundedSemaphore(1)],
  ];

  describe.each(primitives)('%s', (_name, make) => {
    test('holds for the block and releases on return', () => {
      simulate(
        (function* (): Coro<void> {
          const prim = make();
          function* body(): Coro<number> {
            using _ = yield* prim.hold();
            expect(prim.locked()).toBe(true);
            yield* sleep(1);
            return 42;
          }
          expect(yield* body()).toBe(42);
          expect(prim.locked()).toBe(false);
        })(),
      );
    });

    test('releases when the block throws', () => {
      simulate(
        (function* (): Coro<void> {
          const prim = make();
          const err = yield* caught(
            (function* (): Coro<void> {
              using _ = yield* prim.hold();
              yield* sleep(1);
              throw new Error('boom');
            })(),
          );
          expect((err as Error).message).toBe('boom');
          expect(prim.locked()).toBe(false);
        })(),
      );
    });

    test('releases when the task is cancelled inside the block', () => {
      simulate(
        (function* (): Coro<void> {
          const prim = make();
          const task = createTask(
            (function* (): Coro<void> {
              using _ = yield* prim.hold();
              yield* sleep(10);
            })(),
          );
          yield* sleep(1);
          expect(prim.locked()).toBe(true);
          task.cancel();
          expect(yield* caught(task)).toBeInstanceOf(CancelledError);
          expect(prim.locked()).toBe(false);
        })(),
      );
    });

    test('a hold cancelled while it waits takes nothing and releases nothing', () => {
      simulate(
        (function* (): Coro<void> {
          const prim = make();
          using _ = yield* prim.hold();
          const waiter = createTask(
            (function* (): Coro<void> {
              using _inner = yield* prim.hold();
              throw new Error('must not get here');
            })(),
          );
          yield* sleep(0);
          waiter.cancel();
          expect(yield* caught(waiter)).toBeInstanceOf(CancelledError);
          // Still ours: the cancelled hold did not release what it never had.
          expect(prim.locked()).toBe(true);
        })(),
      );
    });

    test('using without yield* throws at the declaration, before the block runs, and takes nothing', () => {
      simulate(
        (function* (): Coro<void> {
          const prim = make();
          let ran = false;
          const err = yield* caught(
            (function* (): Coro<void> {
              // @ts-expect-error: hold() gives a coroutine, not a Disposable; the type says so
              using _ = prim.hold();
              ran = true;
            })(),
          );
          expect(err).toEqual(
            new TypeError('hold() returns a coroutine, not a Hold: `using _ = lock.hold()` would hold nothing; write `using _ = yield* lock.hold()`'),
          );
          expect(ran).toBe(false);
          expect(prim.locked()).toBe(false);
        })(),
      );
    });
  });

  test('in debug mode Lock.hold() still refuses using without yield*, and a hold() never awaited is reported', () => {
    const reports: string[] = [];
    simulate(
      (function* (): Coro<void> {
        getRunningLoop().setExceptionHandler((_loop, context) => reports.push(context.message));
        const lock = new Lock();
        const err = yield* caught(
          (function* (): Coro<void> {
            // @ts-expect-error: hold() gives a coroutine, not a Disposable
            using _ = lock.hold();
          })(),
        );
        expect(err).toEqual(
          new TypeError('hold() returns a coroutine, not a Hold: `using _ = lock.hold()` would hold nothing; write `using _ = yield* lock.hold()`'),
        );
        expect(lock.locked()).toBe(false);
        {
          using _ = yield* lock.hold();
          expect(lock.locked()).toBe(true);
        }
        expect(lock.locked()).toBe(false);
      })(),
      { debug: true },
    );
    expect(reports).toEqual([expect.stringMatching(/^coroutine lock\.acquire\(\) was never awaited/)]);
  });

  test('releases when the generator is closed with return()', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        const body = (function* (): Coro<void> {
          using _ = yield* lock.hold();
          yield* sleep(10);
        })();
        body.next(); // runs up to the sleep's future, holding the lock
        expect(lock.locked()).toBe(true);
        body.return(undefined);
        expect(lock.locked()).toBe(false);
      })(),
    );
  });

  test('the lock passes to the next waiter when a holder leaves its block', () => {
    simulate(
      (function* (): Coro<void> {
        const lock = new Lock();
        const order: string[] = [];
        function* worker(name: string): Coro<void> {
          using _ = yield* lock.hold();
          order.push(`${name} in`);
          yield* sleep(1);
          order.push(`${name} out`);
        }
        const tasks = ['a', 'b', 'c'].map((name) => createTask(worker(name)));
        for (const t of tasks) yield* t;
        expect(order).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
      })(),
    );
  });

  test('disposing a hold twice releases once', () => {
    simulate(
      (function* (): Coro<void> {
        const sem = new BoundedSemaphore(2);
        const held = yield* sem.hold();
        yield* sem.acquire();
        expect(held.released).toBe(false);
        expect(String(held)).toBe('<Hold of <BoundedSemaphore [locked]>>');
        held[Symbol.dispose]();
        held[Symbol.dispose]();
        expect(held.released).toBe(true);
        expect(String(held)).toBe('<Hold released>');
        expect(sem._value).toBe(1);
      })(),
    );
  });
});
