/**
 * @yieldio/sync: asyncio's synchronization primitives (`Lib/asyncio/locks.py`) for
 * generator coroutines. Methods that may wait are coroutines, used with `yield*`:
 *
 *     const lock = new Lock();
 *     using _ = yield* lock.hold();    // async with lock:
 *     yield* event.wait();             // await event.wait()
 *
 * Built only on core's public API: each waiter is a future from `loop.createFuture()`,
 * queued FIFO (waiters.ts), and woken by `setResult`. Read lock.ts first (the hand-off
 * and the cancellation race), then semaphore.ts, event.ts, condition.ts, barrier.ts.
 */
export { Lock } from './lock';
export type { LockState } from './lock';
export { Event } from './event';
export type { EventState } from './event';
export { Condition } from './condition';
export { Semaphore, BoundedSemaphore } from './semaphore';
export { Barrier } from './barrier';
export type { BarrierState } from './barrier';
export { BrokenBarrierError } from './errors';
export { Hold } from './hold';
export type { HoldCoro, Releasable } from './hold';
