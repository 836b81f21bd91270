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
 */
import type { Coro, Future } from '@yieldio/core';
import type { Queue } from './queue';

export type OperationState = 'created' | 'waiting' | 'finished';

type Step<T> = IteratorResult<Future<unknown> | undefined, T>;

/** `queue.get()`. */
export class GetOperation<T> implements Coro<T> {
  readonly _queue: Queue<T>;
  _state: OperationState = 'created';
  /** The future we wait on, while waiting. */
  _getter: Future<boolean> | null = null;

  constructor(queue: Queue<T>) {
    this._queue = queue;
  }

  next(...[woken]: [] | [unknown]): Step<T> {
    const queue = this._queue;
    if (this._state === 'created') {
      this._state = 'finished';
      if (queue._items.length > queue._claimed) return { done: true, value: queue._take() };
      this._getter = queue._startWaitToGet();
      this._state = 'waiting';
      return { done: false, value: this._getter };
    }
    if (this._state === 'waiting') {
      this._state = 'finished';
      this._getter = null;
      return { done: true, value: queue._finishGet(woken) };
    }
    return { done: true, value: undefined as T };
  }

  throw(exc: unknown): Step<T> {
    this._leave();
    throw exc;
  }

  return(value: T): Step<T> {
    this._leave();
    return { done: true, value };
  }

  _leave(): void {
    if (this._state === 'waiting') this._queue._abandonGetter(this._getter!);
    this._state = 'finished';
    this._getter = null;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** What a bad `yield queue.get()` (no star) is called in its error. */
  toString(): string {
    return '<coroutine queue.get()>';
  }

  [Symbol.dispose](): void {
    this._leave();
  }
}

/** `queue.put(item)`. */
export class PutOperation<T> implements Coro<void> {
  readonly _queue: Queue<T>;
  readonly _item: T;
  _state: OperationState = 'created';
  /** The future we wait on, while waiting. */
  _putter: Future<boolean> | null = null;

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
      this._putter = queue._startWaitToPut();
      this._state = 'waiting';
      return { done: false, value: this._putter };
    }
    if (this._state === 'waiting') {
      this._state = 'finished';
      this._putter = null;
      queue._finishPut(this._item);
    }
    return { done: true, value: undefined };
  }

  throw(exc: unknown): Step<void> {
    this._leave();
    throw exc;
  }

  return(): Step<void> {
    this._leave();
    return { done: true, value: undefined };
  }

  _leave(): void {
    if (this._state === 'waiting') this._queue._abandonPutter(this._putter!);
    this._state = 'finished';
    this._putter = null;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** What a bad `yield queue.put()` (no star) is called in its error. */
  toString(): string {
    return '<coroutine queue.put()>';
  }

  [Symbol.dispose](): void {
    this._leave();
  }
}
