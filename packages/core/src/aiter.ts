/**
 * Async iteration in generator land: Python's `__aiter__`/`__anext__`, camelCased.
 *
 * An async iterator has `anext()`, a coroutine that returns the next item or throws
 * `StopAsyncIteration` when there are no more; an async iterable has `aiter()`. The
 * builtins `aiter(x)` and `anext(it, default)` work as Python's. `async for` is:
 *
 *     // async for line in reader:
 *     const lines = aiter(reader);
 *     for (let line; (line = yield* anext(lines, DONE)) !== DONE; ) {
 *       ...                       // break, continue and return work as in any loop
 *     }
 *
 * This is the one form used across yieldio: a queue until shutdown, a stream's lines,
 * `asCompleted(...).aiter()`, and producers you write (an object with `anext`).
 *
 * Rejected: Effection's `for (const x of yield* each(s)) { ...; yield* each.next(); }`,
 * which fails if an iteration forgets `each.next()` (easy on a `continue` path); a body
 * callback, `yield* forEach(s, function* (x) {...})`, where `break` and `return` cannot
 * reach the enclosing function; and real `for await`, which needs Promises and so cannot
 * run inside `simulate()`.
 */
import type { Coro } from './coro';
import { describe } from './repr';

/** Thrown by `anext()` when the iterator is exhausted (Python's `StopAsyncIteration`). */
export class StopAsyncIteration extends Error {}
Object.defineProperty(StopAsyncIteration.prototype, 'name', { value: 'StopAsyncIteration', writable: true, configurable: true });

/** An asynchronous iterator, Python's `__anext__` protocol in generator form: `anext()` is a coroutine. */
export interface AsyncIterator<T> {
  /** The next item; throws `StopAsyncIteration` when there is none. */
  anext(): Coro<T>;
  /** Returns the iterator itself (Python's `__aiter__`); optional, as `aiter()` treats an iterator as its own. */
  aiter?(): AsyncIterator<T>;
}

/** What `aiter()` accepts: an object with an asynchronous iterator, as Python's `__aiter__`. */
export interface AsyncIterable<T> {
  /** A fresh asynchronous iterator over this object (Python's `__aiter__`). */
  aiter(): AsyncIterator<T>;
}

/**
 * The sentinel to pass as `anext`'s default to end a loop (see the module note).
 * No asyncio counterpart: it stands in for the `StopAsyncIteration` that ends an `async for`.
 */
export const DONE: unique symbol = Symbol('DONE');
/** The type of the `DONE` sentinel. No asyncio counterpart. */
export type Done = typeof DONE;

/** The async iterator of `iterable` (Python's `aiter()`). An iterator is its own. */
export function aiter<T>(iterable: AsyncIterable<T> | AsyncIterator<T>): AsyncIterator<T> {
  const candidate = iterable as Partial<AsyncIterable<T> & AsyncIterator<T>>;
  if (candidate !== null && typeof candidate === 'object') {
    if (typeof candidate.aiter === 'function') return candidate.aiter();
    if (typeof candidate.anext === 'function') return candidate as AsyncIterator<T>;
  }
  throw new TypeError(`aiter(): expected an async iterable (an object with aiter() or anext()), got ${describe(iterable)}`);
}

/**
 * The next item of `iterator`; at the end, `defaultValue` if one was given, else throws
 * `StopAsyncIteration` (Python's `anext()`).
 */
export function anext<T>(iterator: AsyncIterator<T>): Coro<T>;
export function anext<T, D>(iterator: AsyncIterator<T>, defaultValue: D): Coro<T | D>;
export function* anext<T, D>(iterator: AsyncIterator<T>, ...defaultValue: [] | [D]): Coro<T | D> {
  if (iterator === null || typeof iterator !== 'object' || typeof iterator.anext !== 'function') {
    throw new TypeError(`anext(): expected an async iterator (an object with anext()), got ${describe(iterator)}; get one with aiter(x)`);
  }
  if (defaultValue.length === 0) return yield* iterator.anext();
  try {
    return yield* iterator.anext();
  } catch (exc) {
    if (exc instanceof StopAsyncIteration) return defaultValue[0] as D;
    throw exc;
  }
}
