import fc from 'fast-check';
import { Query } from 'mingo';
import type { DocFilter, Scalar } from '../port';
import { toMongoQuery, type MongoQuery } from './to-mongo-query';
import { toPredicate } from './to-predicate';

/**
 * The embedded predicate and the MongoDB query compiled from one filter must agree on every document; mingo, an
 * in-memory MongoDB query engine, evaluates the query. Known differences between mingo and MongoDB are kept out
 * (the example tests in to-predicate.unit.spec.ts pin MongoDB's behaviour there):
 * - mingo's `$all` ignores a scalar field; MongoDB defines `$all` as an `$and` of equalities, so the query is
 *   rewritten to that;
 * - inside an array, mingo neither counts an object lacking the field as "missing" nor reliably fans out over an
 *   array held by an object element, so objects in arrays carry every key and only scalars;
 * - mingo orders strings by UTF-16 unit, MongoDB by code point: strings avoid U+E000–U+FFFF, where they differ.
 */

const TEXT_UNITS = ['a', 'A', 'b', 'B', 'é', 'É', '😀', '.', '*', '(', '[', '\\', '^', '$', '?', '|', ' ', '0', '1'];
const text = fc.string({ unit: fc.constantFrom(...TEXT_UNITS), maxLength: 4 });
const number = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(2.5, -0.5, 0));
const scalar: fc.Arbitrary<Scalar> = fc.oneof(text, number, fc.boolean(), fc.constant(null));

const flat = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }));
const plain = { noNullPrototype: true } as const;
const leafObject = fc.record({ x: flat, y: scalar }, plain);
const scalarObject = fc.record({ x: scalar, y: scalar }, plain);
const fullObject = fc.record({ x: scalar, y: scalar, q: scalarObject }, plain);
const value = fc.oneof(
  { weight: 3, arbitrary: flat },
  { weight: 1, arbitrary: fc.record({ x: flat, y: scalar, q: leafObject }, { requiredKeys: [], ...plain }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fullObject, scalar), { maxLength: 3 }) },
);
const doc = fc.record(
  { a: value, b: value, n: value, arr: value, constructor: scalar },
  { requiredKeys: [], ...plain },
);

const FIELDS = ['a', 'b', 'n', 'arr', 'a.x', 'n.x', 'n.y', 'arr.x', 'arr.y', 'n.q.x', 'constructor'];
const field = fc.constantFrom(...FIELDS);
const scalars = fc.array(scalar, { maxLength: 3 });

const condition: fc.Arbitrary<DocFilter> = fc.oneof(
  fc.record({ field, op: fc.constant('eq' as const), value: scalar }),
  fc.record({ field, op: fc.constant('in' as const), value: scalars }),
  fc.record({ field, op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), value: fc.oneof(text, number) }),
  fc.record({ field, op: fc.constant('exists' as const), value: fc.boolean() }),
  fc.record({ field, op: fc.constantFrom('contains' as const, 'startsWith' as const), value: text }),
  fc.record({ field, op: fc.constant('all' as const), value: scalars }),
);

const filter: fc.Arbitrary<DocFilter> = fc.letrec<{ node: DocFilter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ and: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node;

/** Rewrites `$all` to the `$and` of equalities MongoDB defines it as (mingo's `$all` requires an array field). */
function asMingoSees(query: MongoQuery): MongoQuery {
  const out: MongoQuery = {};
  for (const [key, operand] of Object.entries(query)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      out[key] = (operand as MongoQuery[]).map(asMingoSees);
      continue;
    }
    const all = (operand as { $all?: Scalar[] }).$all;
    if (all && all.length > 0) return { $and: all.map((v) => ({ [key]: { $eq: v } })) };
    out[key] = operand;
  }
  return out;
}

describe('toPredicate agrees with MongoDB semantics (mingo over toMongoQuery)', () => {
  it('on random documents and filters', () => {
    const outcomes = { matched: 0, unmatched: 0 };
    fc.assert(
      fc.property(filter, fc.array(doc, { minLength: 1, maxLength: 8 }), (f, docs) => {
        const predicate = toPredicate(f);
        const oracle = new Query(asMingoSees(toMongoQuery(f)));
        for (const d of docs) {
          const expected = oracle.test(d);
          expect({ doc: d, matches: predicate(d) }).toEqual({ doc: d, matches: expected });
          outcomes[expected ? 'matched' : 'unmatched']++;
        }
      }),
      { numRuns: 600 },
    );
    // Guards the generators: a property where (almost) everything matches, or nothing does, proves little.
    const total = outcomes.matched + outcomes.unmatched;
    expect(outcomes.matched / total).toBeGreaterThan(0.15);
    expect(outcomes.unmatched / total).toBeGreaterThan(0.15);
  });
});
