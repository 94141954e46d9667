import BTree from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad';
import { keysBefore, rankWays, ranksFromNodes } from './btree-rank';
import { prng } from '../conformance/index-equivalence';

const byNumber = (a: number, b: number) => a - b;

/**
 * The rank read off sorted-btree's nodes is the rank its public API counts, on trees bulk-loaded, grown and shrunk at
 * random (small nodes, so that they split, merge and borrow), including keys before the first and after the last. If
 * a new sorted-btree keeps its nodes otherwise, `ranksFromNodes` turns false and this fails: the counts stay right
 * (through the walk) but lose their speed.
 */
describe('keysBefore', () => {
  it('reads ranks off the nodes of the installed sorted-btree', () => {
    expect(ranksFromNodes()).toBe(true);
  });

  it.each([1, 2, 3, 4])('is the number of keys before (or up to) a key, as the tree changes (seed %i)', (seed) => {
    const next = prng(seed);
    const initial = [...new Set(Array.from({ length: 400 }, () => Math.floor(next() * 2000)))].sort(byNumber);
    const tree: BTree<number, number> = next() < 0.5 ? bulkLoad(initial, initial, 4 + Math.floor(next() * 8), byNumber) : new BTree(initial.map((k) => [k, k]), byNumber, 4);
    const keys = new Set(initial);
    for (let step = 0; step < 3000; step++) {
      const key = Math.floor(next() * 2000);
      if (next() < 0.45) {
        tree.delete(key);
        keys.delete(key);
      } else {
        tree.set(key, key);
        keys.add(key);
      }
      if (step % 50 !== 0) continue;
      for (let probe = 0; probe < 20; probe++) {
        const at = Math.floor(next() * 2100) - 50;
        const orEqual = next() < 0.5;
        const expected = [...keys].filter((k) => k < at || (orEqual && k === at)).length;
        expect({ step, at, orEqual, rank: rankWays.fromNodes(tree, at, orEqual) }).toEqual({ step, at, orEqual, rank: expected });
        expect(rankWays.byWalk(tree, at, orEqual)).toBe(expected);
        expect(keysBefore(tree, at, orEqual)).toBe(expected);
      }
    }
    // Emptied: no keys before anything.
    for (const key of [...keys]) tree.delete(key);
    expect(keysBefore(tree, 1000, true)).toBe(0);
  });
});
