/**
 * wrapPromise(): the bridge from Promises into futures (CPython's nearest is
 * `wrap_future`, test_futures.py). A Promise is not an awaitable here: it has to cross
 * into futures through wrapPromise().
 */
import {
  CancelledError,
  DeadlockError,
  InvalidStateError,
  createTask,
  run,
  setEventLoop,
  simulate,
  sleep,
  wrapPromise,
  type Coro,
} from '@yieldio/core';
import { MyError, raises } from './fixtures/helpers';



// ---------------------------------------------------------------------------------
// wrapPromise
// ---------------------------------------------------------------------------------

describe('wrapPromise()', () => {
  test('on the real clock a wrapped Promise gives its value', async () => {
    const value = await run(
      (function* (): Coro<number> {
        const a = yield* wrapPromise(Promise.resolve(5));
        const b = yield* wrapPromise(new Promise<number>((resolve) => setTimeout(() => resolve(2), 2)));
        return a + b;
      })(),
    );
    expect(value).toBe(7);
  });

  test('on the real clock a rejected Promise raises its reason at the yield*', async () => {
    const reason = new MyError('rejected');
    const caught = await run(
      (function* (): Coro<unknown> {
        return yield* raises(() => wrapPromise(Promise.reject(reason)));
      })(),
    );
    expect(caught).toBe(reason);
  });

  test('cancelling a wrapped Promise cancels the future, and its later outcome is dropped', async () => {
    const outcome = await run(
      (function* (): Coro<string> {
        let settle: (v: number) => void = () => {};
        const fut = wrapPromise(new Promise<number>((resolve) => (settle = resolve)));
        const t = createTask(
          (function* (): Coro<number> {
            return yield* fut;
          })(),
        );
        yield* sleep(0.001);
        t.cancel();
        const exc = yield* raises(() => t);
        settle(1);
        yield* sleep(0.001);
        return `${(exc as Error).name} ${fut.cancelled()}`;
      })(),
    );
    expect(outcome).toBe('CancelledError true');
  });

  test('futures and tasks are awaitable from async code', async () => {
    const value = await run(
      (function* (): Coro<number> {
        const t = createTask(sleep(0.001, 20));
        const fromAsync = (async () => (await t) + 1)();
        return yield* wrapPromise(fromAsync);
      })(),
    );
    expect(value).toBe(21);
  });

  test('inside simulate() a wrapped Promise can never settle, and the DeadlockError says so', () => {
    let error: unknown = null;
    try {
      simulate(
        (function* (): Coro<number> {
          return yield* wrapPromise(Promise.resolve(1));
        })(),
      );
    } catch (exc) {
      error = exc;
    }
    expect(error).toBeInstanceOf(DeadlockError);
    expect((error as Error).message).toContain('wrapPromise(): a Promise cannot settle inside simulate(), which runs synchronously');
  });

  test('wrapPromise() refuses what is not a Promise', () => {
    simulate(
      (function* (): Coro<void> {
        expect(() => wrapPromise(123 as unknown as Promise<number>)).toThrow(
          new TypeError('wrapPromise(): expected a Promise (or a thenable), got 123 (a number)'),
        );
        yield* sleep(0);
      })(),
    );
  });

  test('wrapPromise() outside any loop says where to call it from', () => {
    expect(() => wrapPromise(Promise.resolve(1))).toThrow(
      new InvalidStateError(
        'wrapPromise(): there is no current event loop; run this from a coroutine (run(main())), or create a loop first: setEventLoop(newEventLoop())',
      ),
    );
  });
});
