/**
 * Checking option objects at the public boundary: asyncio's keyword arguments become a
 * last options object, and a misspelt keyword must fail as loudly as in Python
 * ("unexpected keyword argument"), naming the call and the options it knows.
 */
import { describeValue as describe } from '@yieldio/core';

export function checkOptions(caller: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object such as { ${known[0]}: ... }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${caller}: unknown option ${JSON.stringify(key)}; known options: ${known.join(', ')}`);
    }
  }
  return options as Record<string, unknown>;
}

/** A duration option in seconds: a positive number, or null/undefined for the default. */
export function checkSeconds(caller: string, name: string, value: unknown, defaultValue: number): number {
  if (value === undefined || value === null) return defaultValue;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${caller}: ${name} must be a number of seconds, got ${describe(value)}`);
  }
  if (value <= 0) throw new RangeError(`${caller}: ${name} must be a number of seconds > 0, got ${value}`);
  return value;
}

/** A callable at the boundary (a protocol factory, a client callback). */
export function checkFunction(caller: string, name: string, value: unknown, example: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new TypeError(`${caller}: ${name} must be a function, got ${describe(value)}; for example ${example}`);
  }
}
