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
 * The easy mistake is to forget `yield*`: `using _ = lock.hold();` declares the
 * coroutine itself, not a `Hold`. TypeScript would accept it (with ESNext.Disposable
 * every generator type has `[Symbol.dispose]`); Node 20 would fail with a bare "Object
 * not disposable"; and where iterators are disposable (the proposal gives
 * `Iterator.prototype` a `[Symbol.dispose]` that calls `return()`, which newer engines
 * and polyfills provide) the block would run without the lock, silently. So `hold()`
 * is typed `HoldCoro`, a coroutine type without `[Symbol.dispose]` (the compiler
 * rejects the mistake), and reading `Symbol.dispose` from what it returns throws a
 * TypeError that says what to write. `using` reads it at the declaration, so the block
 * never runs unprotected. The getter sits on the prototype of `holdOf`'s generators:
 * nothing is added per call.
 *
 * Rejected: a body callback, `yield* lock.with(function* () {...})`, where `return` and
 * `break` cannot reach the enclosing function; and acquire/try/finally by hand, which is
 * what `using` writes for you.
 */
import type { Coro, Future } from '@yieldio/core';

/** What a `Hold` releases: a Lock, a Condition's lock, a Semaphore. No asyncio counterpart. */
export interface Releasable {
  /** Give back what was acquired. */
  release(): void;
}

/** What `yield* lock.hold()` gives: a `Disposable` that releases on leaving a `using` block, as leaving asyncio's `async with lock:` does. */
export class Hold implements Disposable {
  #owner: Releasable | null;

  constructor(owner: Releasable) {
    this.#owner = owner;
  }

  /** Whether the hold has been released (disposed). */
  get released(): boolean {
    return this.#owner === null;
  }

  /** Release, once: leaving the `using` block calls this (asyncio's `__aexit__`). */
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

/**
 * What `hold()` returns: a coroutine to run with `yield*`, which gives the `Hold`. It is
 * a `Coro<Hold>` without `[Symbol.dispose]`, so that `using _ = lock.hold()` (no
 * `yield*`) does not type-check.
 *
 * No asyncio counterpart: the `async with` of generators.
 */
export interface HoldCoro extends Iterator<Future<unknown> | undefined | void, Hold, unknown> {
  /** A coroutine is its own iterator, so `yield*` can drive it. */
  [Symbol.iterator](): HoldCoro;
}

/** Acquire `owner`, then return the `Hold` that releases it. */
export function* holdOf(owner: Releasable, acquire: Coro<unknown>): Coro<Hold> {
  yield* acquire;
  return new Hold(owner);
}

/**
 * Make reading `Symbol.dispose` from `proto`'s objects throw the TypeError that says to
 * write `yield*` (see the module note): for `holdOf`'s generators, and for any other
 * coroutine a `hold()` returns (Lock's, lock.ts).
 */
export function forbidDispose(proto: object): void {
  if (typeof Symbol.dispose !== 'symbol') return;
  Object.defineProperty(proto, Symbol.dispose, {
    get(): never {
      throw new TypeError(
        'hold() returns a coroutine, not a Hold: `using _ = lock.hold()` would hold nothing; ' +
          'write `using _ = yield* lock.hold()`',
      );
    },
  });
}
forbidDispose(holdOf.prototype);
