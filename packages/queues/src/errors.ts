/**
 * The errors a queue raises (asyncio `queues.py`: `QueueEmpty`, `QueueFull`,
 * `QueueShutDown`, 3.13+). Callers catch them, so they are classes of their own, each
 * with `name` set to its class name so that `String(err)` says which one it is.
 *
 * Where we differ: asyncio raises them with no message; ours say which call failed, the
 * queue's state, and what to do instead (for example, wait with `yield* q.get()`).
 */

function named<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** `getNowait()` found no item it could take. asyncio `QueueEmpty`. */
export class QueueEmpty extends Error {}
named(QueueEmpty, 'QueueEmpty');

/** `putNowait()` found no free slot. asyncio `QueueFull`. */
export class QueueFull extends Error {}
named(QueueFull, 'QueueFull');

/** The queue was shut down: `put` always raises it, `get` once the queue is empty. asyncio `QueueShutDown` (3.13). */
export class QueueShutDown extends Error {}
named(QueueShutDown, 'QueueShutDown');
