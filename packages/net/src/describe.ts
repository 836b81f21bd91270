/**
 * `describe(value)`: how error messages name the value they got (a string in quotes, a
 * number as a number, an object by its class), as core's messages do.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return String(value);
    case 'function':
      return `function ${value.name || '<anonymous>'}`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Promise) return 'a Promise';
  const ctor = (value as object).constructor;
  return ctor && ctor.name && ctor !== Object ? `an object of class ${ctor.name}` : 'an object';
}
