/**
 * The error this package raises and the checks of bad input at its public boundary.
 *
 * `BrokenBarrierError` is asyncio's `exceptions.BrokenBarrierError`: a `Barrier.wait()`
 * that cannot complete because the barrier was aborted, or was reset while the task
 * waited. Like every yieldio error it sets `name` to its class name.
 *
 * Misuse of a primitive in the wrong state (releasing an unlocked `Lock`, `Condition.wait`
 * without the lock, over-releasing a `BoundedSemaphore`) is core's `InvalidStateError`
 * (asyncio raises `RuntimeError` or `ValueError`; JavaScript has neither, and core's error
 * is the one that already means "not allowed in this state"). Bad arguments are a
 * `TypeError` (wrong type) or a `RangeError` (out of range), thrown before anything
 * changes.
 */

/** `Barrier.wait()` on a broken barrier, or a waiter whose barrier was reset or aborted. */
export class BrokenBarrierError extends Error {}
Object.defineProperty(BrokenBarrierError.prototype, 'name', { value: 'BrokenBarrierError', writable: true, configurable: true });

/** How a message names a value it rejects (core's `describe` is internal to core). */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'string':
      return `${JSON.stringify(value)} (a string)`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return `function ${value.name || '<anonymous>'}`;
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return value.constructor && value.constructor !== Object ? `an object of class ${value.constructor.name}` : 'an object';
    default:
      return `${String(value)} (a ${typeof value})`;
  }
}

/** An integer >= `min`: `TypeError` for a non-number, `RangeError` for any other number. */
export function checkInteger(caller: string, what: string, value: unknown, min: number, hint: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${caller}: ${what} must be an integer >= ${min}, got ${describe(value)}; ${hint}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${caller}: ${what} must be an integer >= ${min}, got ${describe(value)}; ${hint}`);
  }
}
