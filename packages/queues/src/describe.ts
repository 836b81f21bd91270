/**
 * How error messages name a value they got: short, with its type, so the reader can
 * find the mistake (core has the same helper, not exported; this package uses only
 * core's public API).
 */
export function describeItem(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)} (a string)`;
    case 'number':
      return `${value} (a number)`;
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return `${String(value)} (a symbol)`;
    case 'function':
      return `function ${value.name || '<anonymous>'}`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const ctor = (value as object).constructor;
  return ctor && ctor.name && ctor !== Object ? `an object of class ${ctor.name}` : 'an object';
}
