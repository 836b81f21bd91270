/**
 * Item stores: where a queue keeps its items, and the one thing that differs between
 * `Queue`, `LifoQueue` and `PriorityQueue`: which item comes out next.
 *
 * asyncio gets this from three overridable methods (`_init`, `_put`, `_get`). Here it is
 * an object the queue holds, because a TypeScript subclass cannot set up its own
 * fields from inside its parent's constructor (they are initialised after `super()`
 * returns); the queue's code never knows which store it has.
 *
 * A store only stores: every rule about waiting, claims and capacity is the queue's.
 */
import { Deque } from './deque';

export interface ItemStore<T> {
  readonly length: number;
  /** Add an item. If it throws (a comparator did), the item was not added. */
  push(item: T): void;
  /** Remove and return the next item. Only called when length > 0. */
  take(): T;
  /** Remove every item and return them in the order `take()` would have. */
  drain(): T[];
}

/** First in, first out (asyncio `Queue`: a deque, `append` and `popleft`). */
export class FifoStore<T> extends Deque<T> implements ItemStore<T> {
  take(): T {
    return this.shift() as T;
  }

  drain(): T[] {
    const items = this.toArray();
    this.clear();
    return items;
  }
}

/** Last in, first out (asyncio `LifoQueue`: a list, `append` and `pop`). */
export class LifoStore<T> implements ItemStore<T> {
  _items: T[] = [];

  get length(): number {
    return this._items.length;
  }

  push(item: T): void {
    this._items.push(item);
  }

  take(): T {
    return this._items.pop() as T;
  }

  drain(): T[] {
    const items = this._items.reverse();
    this._items = [];
    return items;
  }
}
