/**
 * In debug mode an error thrown into a coroutine (a failed future, a cancellation) gets
 * the coroutine's own yield* chain added to its stack, innermost first, so the trace
 * points at the user's lines and not only at the loop's.
 */
import type { Coro } from '@yieldio/core';
import { CancelledError, createTask, getRunningLoop, simulate, sleep } from '@yieldio/core';
import { raises } from './fixtures/helpers';

function* failsLater(): Coro<void> {
  const fut = getRunningLoop().createFuture<void>();
  getRunningLoop().callLater(1, () => fut.setException(new Error('boom')));
  yield* fut; // the line the chain must name first
}

function* outer(): Coro<void> {
  yield* failsLater();
}

const CHAIN_HEADER = '    -- thrown into the coroutine at (innermost first):';

describe('the yield* chain in debug mode', () => {
  test('a failed future thrown in names each coroutine of the chain at its yield*, innermost first', () => {
    const exc = simulate((function* () {
      return yield* raises(() => outer());
    })(), { debug: true }) as Error;
    const stack = exc.stack!;
    const chain = stack.slice(stack.indexOf(CHAIN_HEADER)).split('\n').slice(1);
    expect(chain[0]).toMatch(/^ {4}at failsLater \(.*yield-chain\.test\.ts:13:\d+\)$/);
    expect(chain[1]).toMatch(/^ {4}at outer \(.*yield-chain\.test\.ts:17:\d+\)$/);
  });

  test('a cancelled sleep shows where the task was sleeping', () => {
    const exc = simulate((function* () {
      const task = createTask((function* sleeper() {
        yield* sleep(10);
      })());
      yield* sleep(1);
      task.cancel();
      return yield* raises(() => task);
    })(), { debug: true }) as Error;
    expect(exc).toBeInstanceOf(CancelledError);
    expect(exc.stack).toContain(CHAIN_HEADER);
    expect(exc.stack).toMatch(/at sleeper \(.*yield-chain\.test\.ts:\d+:\d+\)/);
  });

  test('outside debug mode the stack is left as it was made', () => {
    const exc = simulate((function* () {
      return yield* raises(() => outer());
    })()) as Error;
    expect(exc.stack).not.toContain(CHAIN_HEADER);
  });
});
