/**
 * `describe(value)`: how error messages name the value they got. Every message that
 * rejects bad input says what it got, so this must say enough to find the mistake:
 * a string in quotes, a function by its name and kind, a Promise as a Promise.
 */

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as unknown;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as unknown;

export function isGeneratorFunction(value: unknown): value is (...args: unknown[]) => Generator {
  return typeof value === 'function' && Object.getPrototypeOf(value)?.constructor === GeneratorFunction;
}

export function isAsyncFunction(value: unknown): boolean {
  return typeof value === 'function' && Object.getPrototypeOf(value)?.constructor === AsyncFunction;
}

/** A generator object: what calling a `function*` returns, our coroutine (asyncio `iscoroutine`). */
export function isGenerator(value: unknown): value is Generator {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** How `toString()` of a finished future shows its result: the value, no type suffix. */
export function describeResult(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  return describe(value).replace(/ \(a (number|boolean|bigint)\)$/, '');
}

/**
 * A short, human description of any value, for error messages.
 * No asyncio counterpart (Python's `repr`, as yieldio's messages use it).
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)} (a string)`;
    case 'number':
      return `${value} (a number)`;
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'symbol':
      return `${String(value)} (a symbol)`;
    case 'function': {
      const name = value.name || '<anonymous>';
      if (isGeneratorFunction(value)) return `generator function ${name}`;
      if (isAsyncFunction(value)) return `async function ${name}`;
      return `function ${name}`;
    }
  }
  if (value === null) return 'null';
  if (value instanceof Promise) return 'a Promise';
  if (isGenerator(value)) return 'a generator object';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const ctor = (value as object).constructor;
  const own = (value as object).toString;
  if (typeof own === 'function' && own !== Object.prototype.toString) {
    const text = String(value);
    if (!text.startsWith('[object')) return text;
  }
  if (isThenable(value)) return 'a thenable';
  return ctor && ctor.name && ctor !== Object ? `an object of class ${ctor.name}` : 'an object';
}
