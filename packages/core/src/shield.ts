/**
 * shield(aw): protect an awaitable from cancellation (asyncio `tasks.shield`).
 *
 * Returns an outer future that follows the inner one. Cancelling the outer (or the task
 * that awaits it) leaves the inner running; the awaiting task gets `CancelledError`, the
 * inner goes on, and its result is dropped (its exception marked seen). Cancelling the
 * inner itself cancels the outer.
 */
import type { Awaitable } from './coro';
import type { DoneCallback } from './future';
import { Future, futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './future';
import { toFuture } from './ensure-future';

/** Protect `aw` from cancellation: cancelling the outer future leaves the inner running (asyncio `shield`). */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = toFuture('shield', aw);
  if (inner.done()) return inner;
  const outer = inner._loop.createFuture<T>({ description: 'shield()' });
  const onInnerDone = (): void => {
    futureDiscardFromAwaitedBy(inner, outer);
    if (outer.cancelled()) {
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    const exc = inner.exception();
    if (exc !== null) outer._setExceptionUnchecked(exc);
    else outer.setResult(inner._result as T);
  };
  const onOuterDone = (): void => {
    if (inner.done()) return;
    inner.removeDoneCallback(onInnerDone);
    futureDiscardFromAwaitedBy(inner, outer);
  };
  inner._addDoneCallback(onInnerDone as DoneCallback<never>, null);
  outer._addDoneCallback(onOuterDone as DoneCallback<never>, null);
  futureAddToAwaitedBy(inner, outer);
  return outer;
}
