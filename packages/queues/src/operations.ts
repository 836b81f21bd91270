/**
 * GetOperation and PutOperation: what `queue.get()` and `queue.put(item)` return, one
 * small object per call, which `yield*` drives exactly as it drives a generator.
 *
 * Why not `function* get()`: `yield* q.get()` on a generator allocates the generator
 * (its frame included) and resumes it; on this object it allocates the object, and
 * a call that need not wait finishes in the first `next()`. That is about 35 ns per
 * call on Node 20, two calls per item: more than the whole queue costs otherwise
 * (bench/w3-queue.mjs). core's `FutureIterator` makes the same trade for `yield* fut`.
 *
 * Each is the generator it replaces, unrolled (`Queue.get`/`Queue.put` read as the
 * generator would):
 *
 *     created --next()--> finished                  (no wait: the fast path)
 *     created --next()--> waiting --next(woken)--> finished
 *                            |  --throw(exc)/return()--> finished (the waiter leaves)
 *
 * Like a generator, nothing happens until the first `next()`, a finished operation
 * answers `{ done: true }`, and `throw()` into a waiting one runs the cleanup that a
 * `catch` would (a cancelled get passes its claim on; a cancelled put its slot).
 * What the two share (the states, leaving, the iterator protocol's other methods) is
 * `leaving`, put on both prototypes; each keeps its own `next()`, the body of
 * asyncio's `get` or `put`. Rejected: a base class. It reads better, but a derived
 * class's constructor made each operation, two an item, about 40% dearer in bench W3.
 */
import type { Coro, Future } from '@yieldio/core';
import type { Queue } from './queue';

export type OperationState = 'created' | 'waiting' | 'finished';

type Step<T> = IteratorResult<Future<unknown> | undefined, T>;

/** What `GetOperation` and `PutOperation` share: a queue, a state, the future waited on. */
interface Operation {
  readonly _queue: Queue<never>;
  _state: OperationState;
  _waiter: Future<boolean> | null;
  /** A waiting operation leaves: the queue drops its waiter, or passes on a claim or slot. */
  _abandon(waiter: Future<boolean>): void;
}

/**
 * Leaving (`throw`, `return`, `Symbol.dispose`), the same for both: the waiter goes back to
 * the queue, to be dropped or to pass on what it was woken with. And the iterator
 * protocol's `[Symbol.iterator]`.
 */
interface Leaving<R> {
  throw(exc: unknown): Step<R>;
  return(value: R): Step<R>;
  _leave(): void;
  [Symbol.iterator](): this;
  [Symbol.dispose](): void;
}

const leaving: Leaving<unknown> & ThisType<Operation & Leaving<unknown>> = {
  throw(exc: unknown): Step<unknown> {
    this._leave();
    throw exc;
  },

  return(value: unknown): Step<unknown> {
    this._leave();
    return { done: true, value };
  },

  _leave(): void {
    if (this._state === 'waiting') this._abandon(this._waiter!);
    this._state = 'finished';
    this._waiter = null;
  },

  [Symbol.iterator]() {
    return this;
  },

  [Symbol.dispose](): void {
    this._leave();
  },
};

/** `queue.get()`. */
export interface GetOperation<T> extends Leaving<T> {}
export class GetOperation<T> implements Coro<T> {
  readonly _queue: Queue<T>;
  _state: OperationState = 'created';
  /** The future we wait on, while waiting. */
  _waiter: Future<boolean> | null = null;

  constructor(queue: Queue<T>) {
    this._queue = queue;
  }

  next(...[woken]: [] | [unknown]): Step<T> {
    const queue = this._queue;
    if (this._state === 'created') {
      this._state = 'finished';
      if (queue._items.length > queue._claimed) return { done: true, value: queue._take() };
      this._waiter = queue._startWaitToGet();
      this._state = 'waiting';
      return { done: false, value: this._waiter };
    }
    if (this._state === 'waiting') {
      this._state = 'finished';
      this._waiter = null;
      return { done: true, value: queue._finishGet(woken) };
    }
    return { done: true, value: undefined as T };
  }

  _abandon(waiter: Future<boolean>): void {
    this._queue._abandonGetter(waiter);
  }

  /** What a bad `yield queue.get()` (no star) is called in its error. */
  toString(): string {
    return '<coroutine queue.get()>';
  }
}

/** `queue.put(item)`. */
export interface PutOperation<T> extends Leaving<void> {}
export class PutOperation<T> implements Coro<void> {
  readonly _queue: Queue<T>;
  readonly _item: T;
  _state: OperationState = 'created';
  /** The future we wait on, while waiting. */
  _waiter: Future<boolean> | null = null;

  constructor(queue: Queue<T>, item: T) {
    this._queue = queue;
    this._item = item;
  }

  next(): Step<void> {
    const queue = this._queue;
    if (this._state === 'created') {
      this._state = 'finished';
      if (queue._state === 'alive' && !queue.full()) {
        queue._insert(this._item);
        return { done: true, value: undefined };
      }
      this._waiter = queue._startWaitToPut();
      this._state = 'waiting';
      return { done: false, value: this._waiter };
    }
    if (this._state === 'waiting') {
      this._state = 'finished';
      this._waiter = null;
      queue._finishPut(this._item);
    }
    return { done: true, value: undefined };
  }

  _abandon(waiter: Future<boolean>): void {
    this._queue._abandonPutter(waiter);
  }

  /** What a bad `yield queue.put()` (no star) is called in its error. */
  toString(): string {
    return '<coroutine queue.put()>';
  }
}

// Non-enumerable, as a class's own methods are.
for (const proto of [GetOperation.prototype, PutOperation.prototype]) {
  for (const key of Reflect.ownKeys(leaving)) {
    Object.defineProperty(proto, key, { value: leaving[key as keyof typeof leaving], writable: true, configurable: true });
  }
}
