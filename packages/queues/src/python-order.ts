/**
 * pythonOrder(a, b): the default order of a `PriorityQueue`, which is how Python's `<`
 * orders the items people put in asyncio's (`heapq` compares them with `<`):
 *
 *   - numbers, bigints and booleans compare by value, with each other (Python's int,
 *     float and bool are one numeric tower: `True == 1`);
 *   - strings compare by Unicode code point (Python's `str`), not by UTF-16 unit as
 *     JavaScript's `<` does: '\uFFFF' < '\u{10000}' here, as in Python;
 *   - arrays compare as Python tuples: element by element, the first difference decides,
 *     and a prefix comes first (`[1] < [1, 0]`); so `[priority, data]` works, and `data`
 *     is compared only when two priorities tie;
 *   - anything else, or a number against a string, is a TypeError, as Python's
 *     `'<' not supported between instances of 'int' and 'str'`; NaN is a RangeError
 *     (Python orders it silently and the heap ends up out of order).
 *
 * Ties between equal items are not this function's business: the queue breaks them by
 * insertion order. With data that is not orderable (objects), pass a comparator on the
 * priority only, `(a, b) => a[0] - b[0]`, and equal priorities come out first in, first out.
 */
import { describeValue } from '@yieldio/core';

/** How Python's `<` orders two items (the order asyncio's `PriorityQueue` gets from `heapq`): negative, zero or positive, as a comparator. Throws TypeError for items Python could not compare. */
export function pythonOrder(a: unknown, b: unknown): number {
  // Fast paths for the common items, numbers and [number, ...] pairs; everything else,
  // and every error, goes through `orderOf`.
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
  } else if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x: unknown = a[i];
      const y: unknown = b[i];
      if (typeof x === 'number' && typeof y === 'number') {
        if (x < y) return -1;
        if (x > y) return 1;
        if (x === y) continue;
      }
      const order = pythonOrder(x, y);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  return orderOf(a, b);
}

function orderOf(a: unknown, b: unknown): number {
  const ta = kind(a);
  const tb = kind(b);
  if (ta === 'number' && tb === 'number') {
    const x = a as number | bigint;
    const y = b as number | bigint;
    // `<` and `>` compare a bigint and a number exactly.
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string') return compareCodePoints(a as string, b as string);
  // NaN against a number: right type, no place in the order. Against anything else,
  // the TypeError below, as Python's float against str would be.
  if ((ta === 'nan' || tb === 'nan') && (ta === 'number' || ta === 'nan') && (tb === 'number' || tb === 'nan')) {
    throw new RangeError(
      `PriorityQueue: cannot order NaN (comparing ${describeValue(a)} with ${describeValue(b)}); ` +
        'use a number, or pass a comparator that places NaN',
    );
  }
  throw new TypeError(
    `PriorityQueue: cannot order ${describeValue(a)} and ${describeValue(b)}; the default order takes numbers, ` +
      'strings and arrays of them (as Python tuples); for other items pass a comparator, ' +
      'e.g. new PriorityQueue(0, (a, b) => a.priority - b.priority)',
  );
}

type Kind = 'number' | 'nan' | 'string' | 'array' | 'other';

function kind(value: unknown): Kind {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? 'nan' : 'number';
    case 'bigint':
    case 'boolean':
      return 'number';
    case 'string':
      return 'string';
    default:
      return Array.isArray(value) ? 'array' : 'other';
  }
}

/**
 * Compare by code point. UTF-16 order agrees with code-point order except where one
 * unit is a surrogate (U+D800-DFFF, half of a character above U+FFFF) and the other is
 * in U+E000-FFFF: there the surrogate must sort above. Rotating the units >= U+D800
 * fixes exactly that (the "code point order" fix-up of ICU's `u_strCompare`).
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
