/**
 * Hold: asyncio's `async with lock:` in generator land.
 *
 *     using _ = yield* lock.hold();   // async with lock:
 *     ...                             //     ...
 *
 * `hold()` is a coroutine: it acquires, then returns a `Hold`, a `Disposable` whose
 * `[Symbol.dispose]` releases. `using` disposes when the block is left by any path: a
 * return, a throw, a `CancelledError` thrown in at a `yield*` inside the block, or the
 * generator being closed with `return()`. If the acquire itself is cancelled, there is no
 * `Hold` and nothing to release. Disposing twice releases once (disposables are
 * idempotent by convention), so a `Hold` can also be released early by hand.
 *
 * TypeScript (target ES2022) and esbuild (target node20) lower the `using` syntax to
 * helpers that look `Symbol.dispose` up at run time. Node has it from 20.4 (and 18.18),
 * hence this package's engines `>=20.4`; on 20.0-20.3 `Hold` has no dispose method
 * and `using` throws, unless the program polyfills the symbol first.
 *
 * Rejected: a body callback, `yield* lock.with(function* () {...})`, where `return` and
 * `break` cannot reach the enclosing function; and acquire/try/finally by hand, which is
 * what `using` writes for you.
 */
import type { Coro } from '@yieldio/core';

/** What a `Hold` releases: a Lock, a Condition's lock, a Semaphore. */
export interface Releasable {
  release(): void;
}

export class Hold implements Disposable {
  #owner: Releasable | null;

  constructor(owner: Releasable) {
    this.#owner = owner;
  }

  /** Whether the hold has been released (disposed). */
  get released(): boolean {
    return this.#owner === null;
  }

  [Symbol.dispose](): void {
    const owner = this.#owner;
    if (owner === null) return;
    this.#owner = null;
    owner.release();
  }

  toString(): string {
    return `<Hold ${this.#owner === null ? 'released' : `of ${this.#owner}`}>`;
  }
}

/** Acquire `owner`, then return the `Hold` that releases it. */
export function* holdOf(owner: Releasable, acquire: Coro<unknown>): Coro<Hold> {
  yield* acquire;
  return new Hold(owner);
}
