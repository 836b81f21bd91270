/**
 * Options objects at the public boundary: asyncio's keyword arguments become a last
 * options object here, and a misspelt key must fail as loudly as Python's "unexpected
 * keyword argument" does, naming the call, the key and the keys it knows. A silently
 * ignored `{ nmae: 'x' }` or `{ sede: 3 }` breaks what the caller meant without a word
 * (#18).
 *
 * `for...in` rather than `Object.keys`: no array per call, which matters for the calls on
 * hot paths (`createTask`, `createFuture`). Inherited enumerable keys count too, as they
 * would be read.
 */
import { describe } from './repr';

/** Throw a TypeError unless `options` is undefined, null or an object whose keys are all `known`. */
export function checkOptions(caller: string, options: unknown, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object such as { ${known[0]}: ... }, got ${describe(options)}`);
  }
  for (const key in options) {
    if (!known.includes(key)) {
      throw new TypeError(`${caller}: unknown option ${JSON.stringify(key)}; known options: ${known.join(', ')}`);
    }
  }
}
