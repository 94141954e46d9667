import { copyDocument } from '../documents';
import { ReadStoreError } from '../port';
import { DocumentStrings, InternPath, internInPlace } from './interner';

/** String identity cannot be observed from JavaScript: these tests check the tables' policy and that values stay equal. */
describe('InternPath', () => {
  it('keeps one copy per distinct short string at a path, and gives up on paths whose values do not repeat', () => {
    const root = new InternPath();
    const status = root.child('status');
    for (let i = 0; i < 1000; i++) expect(status.intern(i % 3 ? 'subscribed' : 'unsubscribed')).toBe(i % 3 ? 'subscribed' : 'unsubscribed');
    expect(status.distinct).toBe(2);

    const id = root.child('id');
    for (let i = 0; i < InternPath.MAX_DISTINCT; i++) id.intern(`user-${i}`);
    expect(id.distinct).toBe(InternPath.MAX_DISTINCT);
    expect(id.intern('user-new')).toBe('user-new');
    expect(id.distinct).toBeUndefined();
    expect(id.intern('user-1')).toBe('user-1');
    expect(root.child('id').distinct).toBeUndefined();
    expect(root.child('status').distinct).toBe(2);
  });

  it('leaves long strings alone and caps the names under one path', () => {
    const root = new InternPath();
    const long = 'x'.repeat(InternPath.MAX_LENGTH + 1);
    expect(root.child('note').intern(long)).toBe(long);
    expect(root.child('note').distinct).toBe(0);
    const byId = root.child('byId');
    for (let i = 0; i < InternPath.MAX_CHILDREN; i++) byId.child(`k${i}`);
    expect(byId.child('k1').distinct).toBe(0);
    expect(byId.child('one-too-many')).toBe(InternPath.NONE);
    expect(InternPath.NONE.intern('a')).toBe('a');
    expect(InternPath.NONE.distinct).toBeUndefined();
  });

  it('shares array elements by their array path and objects in arrays by their field names', () => {
    const root = new InternPath();
    const doc = { id: 'u1', tags: ['vip', 'new'], moves: [{ pos: '1', field: 'name' }], fields: { plan: 'gold' } };
    const before = structuredClone(doc);
    internInPlace(doc, root);
    expect(doc).toEqual(before);
    expect(root.child('tags').distinct).toBe(2);
    expect(root.child('moves').child('field').distinct).toBe(1);
    expect(root.child('fields').child('plan').distinct).toBe(1);
  });
});

describe('DocumentStrings', () => {
  it('leaves every value as it was, however many long strings a document holds', () => {
    const root = new InternPath();
    const same = new DocumentStrings();
    for (let n = 0; n < 3; n++) {
      const doc: Record<string, unknown> = { id: `user-${n}`, name: 'Anna de Vries', sortName: 'anna de vries', search: { name: 'anna de vries' } };
      for (let i = 0; i < 40; i++) doc[`t${i}`] = `2026-01-${String(i % 28).padStart(2, '0')}T00:00:00.000Z`;
      const before = structuredClone(doc);
      internInPlace(doc, root, same);
      expect(doc).toEqual(before);
      expect(copyDocument(doc as { id: string }, root, same)).toEqual(before);
    }
    expect(same.share('short')).toBe('short');
  });
});

describe('copyDocument with interning', () => {
  it('copies the same values and names the path of what it rejects', () => {
    const root = new InternPath();
    const doc = { id: 'u1', botId: 'b', tags: ['a', 'b'], fields: { n: 1, text: 'x' }, list: [{ k: 'v' }] };
    expect(copyDocument(doc, root)).toEqual(doc);
    expect(root.child('botId').distinct).toBe(1);
    expect(() => copyDocument({ id: 'u', fields: { n: Number.NaN } }, root)).toThrow(new ReadStoreError('document.fields.n is not a finite number'));
    expect(() => copyDocument({ id: 'u', list: [{ k: 1 }, { k: (() => 1) as unknown as string }] })).toThrow(new ReadStoreError('document.list[1].k is not a JSON value'));
    expect(() => copyDocument({ id: 'u', fields: { 'a.b': 1 } })).toThrow(
      new ReadStoreError('document.fields has a field name that cannot be queried (empty, $-prefixed, dotted or __proto__)'),
    );
  });
});
