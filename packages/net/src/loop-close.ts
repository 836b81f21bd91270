/**
 * What a loop releases when it closes: OS resources this package opened for it that
 * nothing else would ever release once the loop is gone. Signal listeners on `process`
 * (signals.ts; asyncio's `_UnixSelectorEventLoop.close` removes its handlers) and child
 * processes still running or holding pipes (subprocess.ts; asyncio's
 * `BaseSubprocessTransport.close` kills a running child). Either, left behind, keeps a
 * Node program alive after run() returns, or catches signals for a loop that is gone.
 *
 * `releaseAtClose(loop, release)` registers a function to call once, right after
 * `loop.close()` has closed the loop; the function it returns cancels that, for a
 * resource released earlier (a handler removed, a child that exited and closed its
 * pipes), so a long-lived loop does not collect one entry per child it ever ran.
 *
 * Core has no close hook and cannot import this package, so `EventLoop.prototype.close` is
 * wrapped here, once, the way loop-methods.ts adds methods. The releases run after the
 * original close() returned: a running loop refuses to close, and then nothing is
 * released. They run in registration order, and every one runs even if one throws (the
 * first error is thrown after the rest have run: a leaked child is worse than a late
 * error). Rejected: a hook list in core's EventLoop (a field and a loop in close() that
 * only this package uses), and a FinalizationRegistry (a loop is never collected while
 * `process` holds its listener or a child its callbacks).
 */
import { EventLoop } from '@yieldio/core';

/** Each loop's pending releases. Invariant: a loop in here is not closed yet. */
const releasesByLoop = new WeakMap<EventLoop, Set<() => void>>();

/** Call `release()` when `loop` closes, unless the returned function is called first. */
export function releaseAtClose(loop: EventLoop, release: () => void): () => void {
  if (loop.isClosed()) {
    // Callers check first (a closed loop refuses them): nothing would ever release this.
    throw new Error('releaseAtClose(): the loop is already closed; this is a bug in @yieldio/net, please report it');
  }
  let releases = releasesByLoop.get(loop);
  if (releases === undefined) releasesByLoop.set(loop, (releases = new Set()));
  // A fresh function per registration, so the same `release` may be registered twice.
  const entry = (): void => release();
  releases.add(entry);
  return () => void releases.delete(entry);
}

/** How many releases `loop` has pending (for tests). */
export function pendingReleases(loop: EventLoop): number {
  return releasesByLoop.get(loop)?.size ?? 0;
}

const originalClose = EventLoop.prototype.close;
EventLoop.prototype.close = function close(this: EventLoop): void {
  originalClose.call(this);
  const releases = releasesByLoop.get(this);
  if (releases === undefined) return;
  releasesByLoop.delete(this);
  let first: { exc: unknown } | null = null;
  for (const release of releases) {
    try {
      release();
    } catch (exc) {
      first ??= { exc };
    }
  }
  if (first !== null) throw first.exc;
};
