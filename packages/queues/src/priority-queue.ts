/**
 * PriorityQueue: a queue whose `get` returns the smallest item first (asyncio
 * `queues.py`, `PriorityQueue`), on heap-js (priority-store.ts).
 *
 *     new PriorityQueue<[number, string]>()                  // Python's order, below
 *     new PriorityQueue(10, (a, b) => a.deadline - b.deadline)
 *     new PriorityQueue({ maxsize: 10, comparator })
 *
 * The default order is Python's `<` (python-order.ts): numbers, strings, and arrays of
 * them compared as tuples, so `[priority, data]` items work as `(priority, data)` do in
 * asyncio. A comparator returns a negative number when `a` comes out first.
 *
 * Where we differ: items that tie (the comparator returns 0) come out in the order they
 * were put (asyncio: whatever heapq gives). A comparator that throws makes that put or
 * get throw, and the queue keeps every item (priority-store.ts).
 */
import { describeValue } from '@yieldio/core';
import type { Comparator } from './priority-store';
import { PriorityStore } from './priority-store';
import { pythonOrder } from './python-order';
import type { QueueOptions } from './queue';
import { Queue } from './queue';

/** Options of `new PriorityQueue(options)`: asyncio `PriorityQueue(maxsize)`, plus the order of its items. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /** The order: negative when `a` comes out before `b`. Default: Python's `<`. */
  comparator?: Comparator<T>;
}

/** A queue that gives the smallest item first, ties first in, first out (asyncio `PriorityQueue`). */
export class PriorityQueue<T = unknown> extends Queue<T> {
  constructor(maxsize?: number | PriorityQueueOptions<T>, comparator?: Comparator<T> | null) {
    super(maxsize);
    let compare: unknown = comparator;
    if (maxsize !== null && typeof maxsize === 'object') {
      if (comparator !== undefined && comparator !== null && maxsize.comparator !== undefined) {
        throw new TypeError('PriorityQueue(): the comparator was given twice (in the options and as an argument); pass it once');
      }
      compare = maxsize.comparator ?? comparator;
    }
    if (compare !== undefined && compare !== null && typeof compare !== 'function') {
      throw new TypeError(
        `PriorityQueue(): comparator must be a function (a, b) => number, got ${describeValue(compare)}; ` +
          'omit it for Python\'s order',
      );
    }
    this._items = new PriorityStore<T>((compare as Comparator<T> | null | undefined) ?? pythonOrder);
  }

  override _optionNames(): readonly string[] {
    return ['maxsize', 'comparator'];
  }
}
