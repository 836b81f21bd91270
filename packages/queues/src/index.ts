/**
 * @yieldio/queues: asyncio's queues (`queues.py`, 3.13+) on generator coroutines.
 *
 * `Queue` (FIFO), `LifoQueue` and `PriorityQueue` (stable, on heap-js), with `put`/`get`
 * (`yield*` them), `putNowait`/`getNowait`, `taskDone`/`join` and `shutdown(immediate)`.
 * Getters and putters are served in arrival order; a cancelled get loses no item and a
 * cancelled put inserts none (queue.ts says how). A queue is an async iterable until it
 * is shut down:
 *
 *     const items = aiter(queue);
 *     for (let item; (item = yield* anext(items, DONE)) !== DONE; ) { ... }
 *
 * Read queue.ts first, then store.ts, priority-store.ts and python-order.ts.
 */
export { Queue, QueueIterator } from './queue';
export type { QueueOptions, QueueState } from './queue';
export { LifoQueue } from './lifo-queue';
export { PriorityQueue } from './priority-queue';
export type { PriorityQueueOptions } from './priority-queue';
export type { Comparator } from './priority-store';
export { pythonOrder } from './python-order';
export { QueueEmpty, QueueFull, QueueShutDown } from './errors';
