/**
 * LifoQueue: a queue whose `get` returns the most recently put item first, a stack
 * (asyncio `queues.py`, `LifoQueue`). Everything but the order is `Queue`'s: waiting,
 * fairness, cancellation, `taskDone`/`join` and `shutdown` (queue.ts).
 *
 * A woken getter takes the top of the stack when it runs, not the item whose put woke
 * it: if more items were pushed in between, it gets the newest, as in asyncio.
 */
import type { QueueOptions } from './queue';
import { Queue } from './queue';
import { LifoStore } from './store';

/** A queue that gives the newest item first (asyncio `LifoQueue`). */
export class LifoQueue<T = unknown> extends Queue<T> {
  constructor(maxsize?: number | QueueOptions) {
    super(maxsize);
    this._items = new LifoStore<T>();
  }
}
