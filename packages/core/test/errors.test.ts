/**
 * errors.ts: the helpers for code that catches broadly, `isCancellation` and
 * `rethrowIfCancelled`, so a swallowed CancelledError cannot hide in a catch-all.
 */
import type { Coro } from '@yieldio/core';
import {
  CancelledError,
  TimeoutError,
  createTask,
  getRunningLoop,
  isCancellation,
  rethrowIfCancelled,
  simulate,
  sleep,
} from '@yieldio/core';
import { raises } from './fixtures/helpers';



describe('isCancellation and rethrowIfCancelled', () => {
  test('isCancellation tells a CancelledError from any other error', () => {
    expect(isCancellation(new CancelledError())).toBe(true);
    expect(isCancellation(new TimeoutError())).toBe(false);
    expect(isCancellation(new Error('x'))).toBe(false);
    expect(isCancellation('cancelled')).toBe(false);
  });

  test('a catch-all that starts with rethrowIfCancelled lets the cancellation through and handles the rest', () => {
    const handled: unknown[] = [];
    function* worker(): Coro<void> {
      for (;;) {
        try {
          yield* sleep(1);
          throw new Error('flaky');
        } catch (e) {
          rethrowIfCancelled(e);
          handled.push((e as Error).message);
        }
      }
    }
    const outcome = simulate(
      (function* () {
        const task = createTask(worker());
        yield* sleep(2.5);
        task.cancel();
        const exc = yield* raises(() => task);
        return [exc instanceof CancelledError, getRunningLoop().time()];
      })(),
    );
    expect(outcome).toEqual([true, 2.5]);
    expect(handled).toEqual(['flaky', 'flaky']);
  });
});
