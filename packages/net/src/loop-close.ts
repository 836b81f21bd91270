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
 * This package registers one hook with core's `onLoopClose` (core's provided-methods.ts),
 * which runs after close() has closed the loop: a running loop refuses to close, and then
 * nothing is released. Releases run in registration order, and every one runs even if
 * one throws (the first error is thrown after the rest have run: a leaked child is worse
 * than a late error). Rejected: wrapping `EventLoop.prototype.close` from here (what this
 * module did first: behaviour depended on import order, and a second copy of the package
 * wrapped it twice), and a FinalizationRegistry (a loop is never collected while
 * `process` holds its listener or a child its callbacks).
 */
import { onLoopClose } from '@yieldio/core';
import type { EventLoop } from '@yieldio/core';

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

onLoopClose(function releaseAll(loop: EventLoop): void {
  const releases = releasesByLoop.get(loop);
  if (releases === undefined) return;
  releasesByLoop.delete(loop);
  let first: { exc: unknown } | null = null;
  for (const release of releases) {
    try {
      release();
    } catch (exc) {
      first ??= { exc };
    }
  }
  if (first !== null) throw first.exc;
});
