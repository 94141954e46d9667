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

/** Sort walks and ranges: values of every shape at the sort and range fields, pages followed to the end. */
const value = fc.oneof(fc.constantFrom('a', 'b', 'é', '😀', 0, 1, 2.5, true, false, null), fc.array(fc.constantFrom('a', 'b', 1, 2), { maxLength: 2 }));
const walkDoc = (id: number) =>
  fc.record({ bot: fc.constantFrom('x', 'y', 'x'), seen: value, score: value, tags: value }, { requiredKeys: ['bot'], noNullPrototype: true }).map(
    (fields) => ({ id: `w${String(id).padStart(2, '0')}`, ...fields }) as Doc,
  );
const walkField = fc.constantFrom('seen', 'score', 'tags');
const bound = fc.constantFrom('a', 'b', '😀', 0, 1, 2);
const walkCondition: fc.Arbitrary<DocFilter> = fc.oneof(
  fc.record({ field: walkField, op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), value: bound }),
  fc.record({ field: walkField, op: fc.constantFrom('eq' as const), value: fc.constantFrom('a', 1, true, null) }),
  fc.record({ field: walkField, op: fc.constantFrom('exists' as const), value: fc.boolean() }),
);
const walkFilter = fc
  .tuple(fc.constantFrom<DocFilter | undefined>({ field: 'bot', op: 'eq', value: 'x' }, { field: 'bot', op: 'in', value: ['x', 'y'] }, undefined), fc.array(walkCondition, { maxLength: 3 }))
  .map(([pin, rest]): DocFilter => ({ and: pin ? [pin, ...rest] : rest }));
const WALK_INDEXES: IndexSpec[] = [
  { name: 'seen', fields: [['bot', 1], ['seen', -1], ['id', -1]] },
  { name: 'score', fields: [['bot', 1], ['score', 1]] },
  { name: 'tags', fields: [['bot', 1], ['tags', 1]] },
  { name: 'by_id', fields: [['bot', 1]] },
];

describe('embedded sort walks and ranges', () => {
  it('give the same pages as a full scan, page after page, across updates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 15 }).chain(walkDoc), { maxLength: 30 }),
        walkFilter,
        fc.record({ field: fc.constantFrom('seen', 'score', 'id'), order: fc.constantFrom('asc' as const, 'desc' as const) }),
        fc.integer({ min: 1, max: 4 }),
        async (writes, filter, sort, limit) => {
          const indexed = new EmbeddedCollection<Doc>('indexed');
          const scanned = new EmbeddedCollection<Doc>('scanned');
          await indexed.ensureIndexes(WALK_INDEXES);
          let position = 0n;
          for (const written of writes) {
            position++;
            await indexed.upsert(written, position);
            await scanned.upsert(written, position);
          }
          let cursor: string | undefined;
          for (let pages = 0; pages < 40; pages++) {
            const a = await indexed.find({ filter, sort, limit, cursor });
            const b = await scanned.find({ filter, sort, limit, cursor });
            expect(a).toEqual(b);
            if (!a.nextCursor) break;
            cursor = a.nextCursor;
          }
          expect(await indexed.count(filter)).toBe(await scanned.count(filter));
        },
      ),
      { numRuns: 400 },
    );
  });
});
