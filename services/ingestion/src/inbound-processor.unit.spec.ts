import { MAX_INTERACTIONS_PER_REQUEST } from '@roster/contracts';
import { CHUNK, partsOfAtMost } from './inbound-processor';

const json = (items: readonly unknown[]) => Buffer.byteLength(JSON.stringify(items));

describe('partsOfAtMost', () => {
  it('keeps items that fit together as one part', () => {
    expect(partsOfAtMost([{ a: 1 }, { a: 2 }], 1000)).toEqual([[{ a: 1 }, { a: 2 }]]);
    expect(partsOfAtMost([], 1000)).toEqual([]);
  });

  it('splits in order, each part within the bound as a JSON array', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ i, text: 'é'.repeat(i % 17) }));
    for (const bound of [40, 100, 333, 1000]) {
      const parts = partsOfAtMost(items, bound);
      expect(parts.flat()).toEqual(items);
      for (const part of parts) {
        expect(part.length).toBeGreaterThan(0);
        if (part.length > 1) expect(json(part)).toBeLessThanOrEqual(bound);
      }
      // Greedy: no part could have taken the next part's first item.
      for (let p = 0; p + 1 < parts.length; p++) expect(json([...parts[p]!, parts[p + 1]![0]])).toBeGreaterThan(bound);
    }
  });

  it('sends an item larger than the bound alone', () => {
    const big = { text: 'x'.repeat(500) };
    expect(partsOfAtMost([{ a: 1 }, big, { a: 2 }], 100)).toEqual([[{ a: 1 }], [big], [{ a: 2 }]]);
  });
});

describe('CHUNK', () => {
  it('is within what user-profile takes in one request', () => {
    expect(CHUNK).toBeLessThanOrEqual(MAX_INTERACTIONS_PER_REQUEST);
  });
});
