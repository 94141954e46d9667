/*
 * Ranks in a `sorted-btree` tree in O(log n): how many keys lie before a key. sorted-btree 2.x keeps, in every inner
 * node, its subtree's size (`size()`, cached) and its children's largest keys (`keys`), which its own lookups rely on;
 * it does not offer a rank through its public API, so this reads those nodes (`_root`), typed here by hand. Whether
 * the installed version still has them is checked once, on a tree of known keys, before the first rank is taken
 * (`usable`); if it does not, a rank is counted through the public `forRange` instead (O(keys before), the cost
 * every range count had before this file). `btree-rank.unit.spec.ts` compares the two on trees built, grown and
 * shrunk at random, so an upgrade that changes the nodes fails there first.
 */
import BTree from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad';

/** A node of sorted-btree 2.x as this file reads it: a leaf has keys only, an inner node children too. */
interface RawNode<K> {
  readonly keys: readonly K[];
  readonly children?: readonly RawNode<K>[];
  size(): number;
}

const rootOf = <K>(tree: BTree<K, unknown>): RawNode<K> | undefined => (tree as unknown as { _root?: RawNode<K> })._root;

/** The number of keys before `key` (`orEqual`: before or equal), read off the nodes. */
function rankFromNodes<K>(tree: BTree<K, unknown>, key: K, orEqual: boolean): number {
  const compare = tree._compare;
  let node = rootOf(tree)!;
  let rank = 0;
  for (;;) {
    const keys = node.keys;
    // The first position whose key is past `key`: in an inner node, the first child holding a key past it.
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(keys[mid]!, key);
      if (c < 0 || (orEqual && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    const children = node.children;
    if (children === undefined) return rank + lo;
    if (lo === keys.length) return rank + node.size();
    for (let i = 0; i < lo; i++) rank += children[i]!.size();
    node = children[lo]!;
  }
}

/** The same rank through the public API: every key before `key` visited. */
function rankByWalk<K>(tree: BTree<K, unknown>, key: K, orEqual: boolean): number {
  const min = tree.minKey();
  return min === undefined ? 0 : tree.forRange(min, key, orEqual);
}

/** Whether this sorted-btree's nodes are as `rankFromNodes` reads them: checked on a tree of three levels. */
function nodesReadable(): boolean {
  try {
    const keys = Array.from({ length: 5000 }, (_, i) => 2 * i);
    const tree = bulkLoad<number, undefined>(keys, keys.map(() => undefined), 8, (a, b) => a - b);
    for (let i = 0; i < 600; i++) tree.delete(6 * i); // uneven leaves
    for (const key of [-1, 0, 1, 7, 500, 3601, 3602, 6000, 9998, 9999, 10_000]) {
      for (const orEqual of [false, true]) if (rankFromNodes(tree, key, orEqual) !== rankByWalk(tree, key, orEqual)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

let readable: boolean | undefined;

/** Whether ranks are read off the nodes (true unless the installed sorted-btree keeps its nodes otherwise). */
export function ranksFromNodes(): boolean {
  return (readable ??= nodesReadable());
}

/** The number of keys of `tree` before `key`, or before or equal to it (`orEqual`). O(log n) on sorted-btree 2.x. */
export function keysBefore<K>(tree: BTree<K, unknown>, key: K, orEqual: boolean): number {
  if (tree.size === 0) return 0;
  return ranksFromNodes() ? rankFromNodes(tree, key, orEqual) : rankByWalk(tree, key, orEqual);
}

/** Exposed to the spec only: both ways of ranking, to compare them. */
export const rankWays = { fromNodes: rankFromNodes, byWalk: rankByWalk };
