import fc from 'fast-check';
import { compareStrings } from './compare';

/** Code point order, the slow and obvious way (well-formed strings: MongoDB stores no lone surrogates). */
function byCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return Math.sign(x.length - y.length);
}

describe('compareStrings', () => {
  it('orders by code point, with and without units above U+D800 on either side', () => {
    const unit = fc.oneof(
      fc.constantFrom('a', 'z', '0', 'é', '\ud7ff', '\ue000', '\uffff', '😀', '𝔸'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 1 }),
    );
    const text = fc.array(unit, { maxLength: 6 }).map((units) => units.join(''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareStrings(a, b))).toBe(byCodePoints(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
