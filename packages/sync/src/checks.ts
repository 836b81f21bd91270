/**
 * Checks of bad input at the public boundary: a wrong type is a `TypeError`, a number
 * out of range a `RangeError`, thrown before anything changes, with a message that names
 * the call, what was wrong (with the value it got) and what to pass instead.
 */

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
