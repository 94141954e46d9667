import fc from 'fast-check';
import { TopK } from './top-k';

describe('TopK', () => {
  it('keeps the k smallest items in order, whatever order they are offered in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 })), fc.integer({ min: 1, max: 12 }), (values, k) => {
        const top = new TopK<number>(k, (a, b) => a - b);
        for (const value of values) top.offer(value);
        expect(top.sorted()).toEqual([...values].sort((a, b) => a - b).slice(0, k));
      }),
    );
  });
});
