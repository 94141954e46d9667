/**
 * A deep copy with exactly the result of `JSON.parse(JSON.stringify(value))`, without building the string: the
 * in-process transport copies every request and reply (so callers see what NATS would give them), and the
 * round trip through text was its largest cost for big replies (a page of 50 users). Same rules as JSON:
 * `toJSON` is called (dates become strings), `undefined`, functions and symbols are dropped from objects and become
 * `null` in arrays, non-finite numbers become `null`, only own enumerable string keys are kept, a bigint throws a
 * TypeError, and so does a cycle.
 */
export function jsonClone<T>(value: T): T {
  return copy(value, '', new Set()) as T;
}

function copy(value: unknown, key: string, ancestors: Set<object>): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null; // -0 prints as 0
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) throw new TypeError('Converting circular structure to JSON');
      // Boxed primitives serialize as their primitive value.
      if (value instanceof Number) return copy(Number(value), key, ancestors);
      if (value instanceof String) return String(value);
      if (value instanceof Boolean) return value.valueOf();
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          const out = new Array<unknown>(value.length);
          for (let i = 0; i < value.length; i++) {
            const element = copy(value[i], String(i), ancestors);
            out[i] = element === undefined ? null : element;
          }
          return out;
        }
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value)) {
          const element = copy((value as Record<string, unknown>)[k], k, ancestors);
          if (element !== undefined) {
            // defineProperty: a key named __proto__ stays an own property, as JSON.parse makes it.
            if (k === '__proto__') Object.defineProperty(out, k, { value: element, enumerable: true, writable: true, configurable: true });
            else out[k] = element;
          }
        }
        return out;
      }
      finally {
        ancestors.delete(value);
      }
    }
    default:
      // undefined, functions, symbols
      return undefined;
  }
}
