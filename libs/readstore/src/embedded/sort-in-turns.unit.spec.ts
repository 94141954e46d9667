import { sortInTurns } from './sort-in-turns';

describe('sortInTurns', () => {
  const less = (a: number, b: number) => a < b;

  it('sorts like Array.prototype.sort, stably, at every size around its run and merge boundaries', async () => {
    for (const n of [0, 1, 2, 4095, 4096, 4097, 8192, 12_289, 50_000]) {
      const items = Array.from({ length: n }, (_, i) => ({ key: (i * 7919) % 1000, i }));
      const sorted = await sortInTurns(items.slice(), (a, b) => a.key < b.key, 1_000, () => false);
      expect(sorted).toEqual(items.slice().sort((a, b) => a.key - b.key || a.i - b.i));
    }
  });

  it('yields to the event loop and stops when cancelled at a yield', async () => {
    const items = Array.from({ length: 40_000 }, (_, i) => (i * 7919) % 40_000);
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const sorted = await sortInTurns(items.slice(), less, 0, () => false);
    clearInterval(ticking);
    expect(sorted).toEqual(items.slice().sort((a, b) => a - b));
    expect(turns).toBeGreaterThan(0);
    let asked = 0;
    expect(await sortInTurns(items.slice(), less, 0, () => ++asked > 2)).toBeUndefined();
  });
});
