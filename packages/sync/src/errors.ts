/**
 * The error this package raises: `BrokenBarrierError`, asyncio's
 * `exceptions.BrokenBarrierError`, for a `Barrier.wait()` that cannot complete because
 * the barrier was aborted, or was reset while the task waited. Like every yieldio error
 * it sets `name` to its class name.
 *
 * The other failures are not ours to name. Misuse of a primitive in the wrong state
 * (releasing an unlocked `Lock`, `Condition.wait` without the lock, over-releasing a
 * `BoundedSemaphore`) is core's `InvalidStateError` (asyncio raises `RuntimeError` or
 * `ValueError`; JavaScript has neither, and core's error already means "not allowed in
 * this state"). Bad arguments are a `TypeError` or a `RangeError` (checks.ts).
 */

/** `Barrier.wait()` on a broken barrier, or a waiter whose barrier was reset or aborted. asyncio `BrokenBarrierError`. */
export class BrokenBarrierError extends Error {}
Object.defineProperty(BrokenBarrierError.prototype, 'name', { value: 'BrokenBarrierError', writable: true, configurable: true });
