/**
 * Checks of bad input at the public boundary: a wrong type is a `TypeError`, a number
 * out of range a `RangeError`, thrown before anything changes, with a message that names
 * the call, what was wrong (with the value it got) and what to pass instead.
 */
import { describeValue as describe } from '@yieldio/core';

/** An integer >= `min`: `TypeError` for a non-number, `RangeError` for any other number. */
export function checkInteger(caller: string, what: string, value: unknown, min: number, hint: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${caller}: ${what} must be an integer >= ${min}, got ${describe(value)}; ${hint}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${caller}: ${what} must be an integer >= ${min}, got ${describe(value)}; ${hint}`);
  }
}
