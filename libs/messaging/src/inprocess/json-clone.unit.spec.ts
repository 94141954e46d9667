import fc from 'fast-check';
import { jsonClone } from './json-clone';

const roundTrip = (value: unknown) => {
  const json = JSON.stringify(value);
  return json === undefined ? undefined : JSON.parse(json);
};

describe('jsonClone', () => {
  it('gives what a JSON round trip gives, for any JSON-like value', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withMap: false, withSet: false, withBoxedValues: true, withNullPrototype: true, withObjectString: true }), (value) => {
        let expected: unknown;
        try {
          expected = roundTrip(value);
        } catch {
          expect(() => jsonClone(value)).toThrow(TypeError);
          return;
        }
        expect(jsonClone(value)).toStrictEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('drops undefined and functions in objects, nulls them in arrays, calls toJSON, refuses bigints and cycles', () => {
    const at = new Date('2026-11-25T10:00:00.000Z');
    expect(jsonClone({ a: undefined, f: () => 1, n: NaN, d: at, list: [undefined, () => 1, Infinity, 2] })).toStrictEqual({
      n: null,
      d: '2026-11-25T10:00:00.000Z',
      list: [null, null, null, 2],
    });
    expect(() => jsonClone({ big: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonClone(cycle)).toThrow(TypeError);
    const shared = { x: 1 };
    expect(jsonClone([shared, shared])).toStrictEqual([{ x: 1 }, { x: 1 }]);
    const copy = jsonClone({ nested: shared });
    expect(copy.nested).not.toBe(shared);
  });
});
