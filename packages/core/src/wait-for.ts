/**
 * waitFor(aw, timeout): wait for one awaitable, with a deadline (asyncio 3.12 `wait_for`).
 *
 * Since 3.12 it is `timeout()` around a plain await: a coroutine runs in the calling task;
 * on expiry it (or the future) is cancelled, waited for, and `TimeoutError` is raised. If the
 * awaitable finishes anyway (it caught the cancellation and returned), its result stands.
 * A timeout <= 0 cancels at once unless the awaitable is done already.
 */
import type { Awaitable, Coro } from './coro';
import { CancelledError, TimeoutError } from './errors';
import { toFuture } from './ensure-future';
import type { Future } from './future';
import { timeout as timeoutScope } from './timeouts';
import { checkTimeout } from './wait';
import { isGenerator } from './repr';
import { getEventLoop } from './running';
import { trackCoro } from './debug';

/** Wait for `aw`, cancelling it and throwing `TimeoutError` after `timeout` seconds (asyncio `wait_for`); null waits forever. */
export function waitFor<T>(aw: Awaitable<T>, timeout: number | null): Coro<T> {
  return trackCoro(waitForCoro(aw, timeout), 'waitFor');
}

function* waitForCoro<T>(aw: Awaitable<T>, timeout: number | null): Coro<T> {
  checkTimeout('waitFor', timeout);
  if (timeout !== null && timeout !== undefined && timeout <= 0) {
    const fut = toFuture('waitFor', aw);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (exc) {
      if (exc instanceof CancelledError) throw new TimeoutError('waitFor(): timed out', { cause: exc });
      throw exc;
    }
  }
  // As 3.12: `async with timeout(t): return await aw`. A coroutine runs in the calling
  // task (no task of its own), so cancelling waitFor cancels it where it stands.
  if (isGenerator(aw)) {
    getEventLoop('waitFor'); // fail here, naming waitFor, when called outside a loop
    const coro = aw;
    return yield* timeoutScope(timeout ?? null, function* () {
      return yield* coro;
    });
  }
  const fut = toFuture('waitFor', aw);
  return yield* timeoutScope(timeout ?? null, function* () {
    return yield* fut;
  });
}

/** Cancel `fut` and wait until it is done, even if we are cancelled meanwhile. */
function* cancelAndWait(fut: Future<unknown>): Coro<void> {
  const loop = fut._loop;
  const waiter = loop.createFuture<undefined>({ description: 'waitFor() cancelling' });
  const release = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}
