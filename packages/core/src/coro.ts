/**
 * The coroutine protocol: what `yield*` works on.
 *
 * A coroutine is a generator object (`main()` where `function* main(): Coro<number>`).
 * It yields to the task that runs it only futures (to wait for them) or nothing (a bare
 * `yield`, to let one pass go by); what the task sends back is `unknown`, because
 * `yield*` on a future or another coroutine is what gives you typed results.
 */
import type { Future } from './future';

/** A coroutine: a generator object driven by `yield*` (asyncio's coroutine object, `Coroutine[Any, Any, T]`). */
export type Coro<T = unknown> = Generator<Future<unknown> | undefined | void, T, unknown>;

/** Something `yield*` can wait for: a future (or task), or a coroutine. What asyncio calls an awaitable. */
export type Awaitable<T> = Future<T> | Coro<T>;

/** The result type of an awaitable. As Python's `Awaitable[T]` gives `T`. */
export type AwaitedOf<A> = A extends Future<infer R> ? R : A extends Generator<unknown, infer R, unknown> ? R : never;
