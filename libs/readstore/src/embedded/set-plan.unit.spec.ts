import { Cases, randomWalks } from '../conformance/index-equivalence';
import type { Collection, CountOptions, Doc, DocFilter, FindQuery, IndexSpec, Page } from '../port';
import { EmbeddedCollection } from './embedded-collection';

/**
 * Set plans (`set-plan.ts`) answer as plain scans do: the conformance suite's random documents, filters (with `or`
 * and `not`), sorts and walks with changes between pages, at a size where walks run long enough to build sets, with
 * every filter pinned to one bot. The plans that ran are recorded, so that the test fails if none of them was a set
 * plan of each kind.
 */
class Recording implements Collection<Doc> {
  readonly plans = new Map<string, number>();

  constructor(private readonly inner: EmbeddedCollection<Doc>) {}

  get name() {
    return this.inner.name;
  }

  private record(plan: string): void {
    this.plans.set(plan, (this.plans.get(plan) ?? 0) + 1);
  }

  ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    return this.inner.ensureIndexes(indexes);
  }

  get(id: string): Promise<Doc | undefined> {
    return this.inner.get(id);
  }

  getForUpdate(id: string): Promise<Readonly<Doc> | undefined> {
    return this.inner.getForUpdate(id);
  }

  positionOf(id: string): Promise<bigint | undefined> {
    return this.inner.positionOf(id);
  }

  upsert(doc: Doc, position: bigint): Promise<boolean> {
    return this.inner.upsert(doc, position);
  }

  delete(id: string, position?: bigint): Promise<void> {
    return this.inner.delete(id, position);
  }

  async find(query: FindQuery): Promise<Page<Doc>> {
    const { page, stats } = this.inner.explainFind(query);
    this.record(`find: ${stats.strategy}`);
    return page;
  }

  async count(filter?: DocFilter, options?: CountOptions): Promise<number> {
    const { count, stats } = this.inner.explainCount(filter);
    this.record(`count: ${stats.strategy}`);
    expect(await this.inner.count(filter, options)).toBe(count);
    return count;
  }

  clear(): Promise<void> {
    return this.inner.clear();
  }
}

/** A random tree of `and`, `or` and `not` over the suite's conditions (indexed or not, negative or not). */
function tree(cases: Cases, depth: number): DocFilter {
  if (depth === 0 || cases.chance(0.3)) return cases.condition();
  if (cases.chance(0.25)) return { not: tree(cases, depth - 1) };
  const children = Array.from({ length: 2 + Math.floor(cases.chance(0.5) ? 1 : 0) }, () => tree(cases, depth - 1));
  return cases.chance(0.5) ? { and: children } : { or: children };
}

describe('set plans', () => {
  it('answer random filters, sorts and walks with changes between pages as plain scans do', async () => {
    const plans = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const users = new Recording(new EmbeddedCollection<Doc>('users'));
      const trees = new Cases(seed + 1000);
      const pinned = (filter: DocFilter | undefined): DocFilter => ({
        and: [{ field: 'botId', op: 'eq', value: 'b1' }, ...(filter ? [filter] : []), ...(trees.chance(0.7) ? [tree(trees, 3)] : [])],
      });
      await randomWalks(users, seed, { documents: 800, queries: 25, limits: [25, 50], within: pinned });
      for (const plan of users.plans.keys()) plans.add(plan);
    }
    for (const plan of ['count: sets', 'find: sets', 'find: walk, then sets', 'find: walk, filtered by sets, then sets']) expect([...plans]).toContain(plan);
  }, 120_000);
});
