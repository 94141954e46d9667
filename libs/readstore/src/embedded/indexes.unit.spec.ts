import fc from 'fast-check';
import type { Doc, DocFilter, IndexSpec } from '../port';
import { EmbeddedCollection } from './embedded-collection';

/** Planning from an index must never change an answer: indexed and unindexed collections agree on every query. */

const key = fc.constantFrom('a', 'b', 'c', 1, 2, true, null);
const doc = (id: number) =>
  fc.record(
    {
      bot: key,
      tags: fc.oneof(key, fc.array(key, { maxLength: 3 })),
      seq: fc.array(fc.record({ id: key }, { noNullPrototype: true }), { maxLength: 2 }),
    },
    { requiredKeys: [], noNullPrototype: true },
  ).map((fields) => ({ id: `d${id}`, ...fields }) as Doc);

const field = fc.constantFrom('bot', 'tags', 'seq.id');
const condition: fc.Arbitrary<DocFilter> = fc.oneof(
  fc.record({ field, op: fc.constant('eq' as const), value: key }),
  fc.record({ field, op: fc.constant('in' as const), value: fc.array(key, { maxLength: 3 }) }),
  fc.record({ field, op: fc.constant('all' as const), value: fc.array(key, { maxLength: 2 }) }),
  fc.record({ field, op: fc.constant('exists' as const), value: fc.boolean() }),
);
const filter = fc.oneof(condition, fc.record({ and: fc.array(fc.oneof(condition, fc.record({ not: condition })), { maxLength: 3 }) }));

const INDEXES: IndexSpec[] = [
  { name: 'bot', fields: [['bot', 1], ['id', 1]] },
  { name: 'tags', fields: [['tags', 1]] },
  { name: 'seq', fields: [['seq.id', 1]] },
];

describe('embedded indexes', () => {
  it('give the same pages and counts as a full scan, across updates and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 11 }).chain((n) => doc(n)), { maxLength: 25 }),
        fc.array(fc.nat({ max: 11 }), { maxLength: 4 }),
        fc.array(filter, { minLength: 1, maxLength: 5 }),
        async (writes, deletes, filters) => {
          const indexed = new EmbeddedCollection<Doc>('indexed');
          const scanned = new EmbeddedCollection<Doc>('scanned');
          await indexed.ensureIndexes(INDEXES);
          let position = 0n;
          for (const written of writes) {
            position++;
            await indexed.upsert(written, position);
            await scanned.upsert(written, position);
          }
          for (const n of deletes) {
            position++;
            await indexed.delete(`d${n}`, position);
            await scanned.delete(`d${n}`, position);
          }
          for (const f of filters) {
            expect((await indexed.find({ filter: f, limit: 100 })).items).toEqual((await scanned.find({ filter: f, limit: 100 })).items);
            expect(await indexed.count(f)).toBe(await scanned.count(f));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
