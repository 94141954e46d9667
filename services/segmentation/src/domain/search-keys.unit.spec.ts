import { MAX_SORT_MOVES, padPosition, sortKeyAt, withSearchKeys, withWalkKeys } from './search-keys';
import type { UserListDoc } from './user-list-doc';

const doc = (lastInteractionAt: string, extra: Partial<UserListDoc> = {}): UserListDoc =>
  ({
    id: 'u1', botId: 'b1', channel: 'sms', channelUserId: '+31', name: 'Ada Lovelace', fullName: null, firstName: 'Ada', lastName: 'Lovelace',
    gender: null, language: null, locale: null, timezone: null, profilePicUrl: null, phone: null, email: 'Ada@Example.com', status: 'subscribed',
    subscribedAt: null, lastInteractionAt, createdAt: lastInteractionAt, tags: ['VIP'], fields: { plan: 'Gold', score: 3 },
    fieldTypes: { plan: 'text', score: 'number' }, sequences: [], otnTopics: [], ...extra,
  }) as UserListDoc;

describe('search keys', () => {
  it('adds lower-cased copies and sort keys present on every document', () => {
    const keys = withSearchKeys(doc('2026-11-01T00:00:00.000Z'));
    expect(keys.search).toEqual({ name: 'ada lovelace', firstName: 'ada', lastName: 'lovelace', phone: null, email: 'ada@example.com', tags: ['vip'], text: { plan: 'gold' } });
    expect(keys.sortName).toBe('ada lovelace');
    expect(keys.sortSubscribedAt).toBe('');
  });
});

describe('search keys of a changed document', () => {
  const before = withWalkKeys(undefined, doc('2026-11-01T00:00:00.000Z'), 1n);

  it('are the previous search keys, the same object, when only the interaction time changed', () => {
    const after = withWalkKeys(before, { ...before, lastInteractionAt: '2026-11-02T00:00:00.000Z' }, 2n);
    expect(after.search).toBe(before.search);
    expect(after).toMatchObject({ sortName: 'ada lovelace', sortSubscribedAt: '' });
  });

  it('are computed again when anything they derive from changed, exactly as for a new document', () => {
    const changes: Partial<UserListDoc>[] = [
      { name: 'Grace Hopper' },
      { firstName: 'Grace' },
      { lastName: 'Hopper' },
      { phone: '+31 6 1234' },
      { email: 'GRACE@example.com' },
      { tags: ['VIP', 'New'] },
      { fields: { plan: 'Silver', score: 3 } },
      { fieldTypes: { plan: 'number', score: 'number' } },
      { subscribedAt: '2026-11-03T00:00:00.000Z' },
    ];
    for (const change of changes) {
      const next = { ...before, ...change };
      const after = withWalkKeys(before, next, 2n);
      const fresh = withSearchKeys(next);
      expect([after.search, after.sortName, after.sortSubscribedAt]).toEqual([fresh.search, fresh.sortName, fresh.sortSubscribedAt]);
    }
  });
});

describe('walk keys', () => {
  const t1 = '2026-11-01T00:00:00.000Z';
  const t2 = '2026-11-02T00:00:00.000Z';
  const t3 = '2026-11-03T00:00:00.000Z';

  it('stamps creation, and a sort-key change with the key it had before', () => {
    const created = withWalkKeys(undefined, doc(t1), 10n);
    expect(created).toMatchObject({ createdPos: padPosition(10n), sortStamp: padPosition(10n), sortMoves: [] });
    const tagged = withWalkKeys(created, doc(t1, { tags: ['VIP', 'New'] }), 11n);
    expect(tagged.sortStamp).toBe(padPosition(10n));
    const moved = withWalkKeys(tagged, doc(t2), 12n);
    expect(moved).toMatchObject({ createdPos: padPosition(10n), sortStamp: padPosition(12n) });
    expect(moved.sortMoves).toEqual([{ pos: padPosition(12n), lastInteractionAt: t1, sortName: 'ada lovelace', sortSubscribedAt: '' }]);
  });

  it('places a moved document by its key at the snapshot', () => {
    const moved = withWalkKeys(withWalkKeys(withWalkKeys(undefined, doc(t1), 10n), doc(t2), 20n), doc(t3), 30n);
    expect(sortKeyAt(moved, 'lastInteractionAt', padPosition(15n))).toBe(t1);
    expect(sortKeyAt(moved, 'lastInteractionAt', padPosition(25n))).toBe(t2);
    expect(sortKeyAt(moved, 'lastInteractionAt', padPosition(30n))).toBe(t3);
  });

  it('remembers a bounded number of moves', () => {
    let current = withWalkKeys(undefined, doc(t1), 1n);
    for (let i = 2; i < 100; i++) current = withWalkKeys(current, doc(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()), BigInt(i));
    expect(current.sortMoves).toHaveLength(MAX_SORT_MOVES);
  });

  it('drops moves no walk can ask for (at or before the horizon), also when the key does not move', () => {
    const moved = withWalkKeys(withWalkKeys(withWalkKeys(undefined, doc(t1), 10n), doc(t2), 20n), doc(t3), 30n);
    expect(moved.sortMoves.map((m) => m.pos)).toEqual([padPosition(20n), padPosition(30n)]);
    const tagged = withWalkKeys(moved, doc(t3, { tags: ['VIP', 'New'] }), 40n, padPosition(25n));
    expect(tagged.sortMoves.map((m) => m.pos)).toEqual([padPosition(30n)]);
    expect(sortKeyAt(tagged, 'lastInteractionAt', padPosition(25n))).toBe(t2);
    const quiet = withWalkKeys(tagged, doc('2026-11-04T00:00:00.000Z'), 50n, padPosition(40n));
    expect(quiet.sortMoves).toEqual([{ pos: padPosition(50n), lastInteractionAt: t3, sortName: 'ada lovelace', sortSubscribedAt: '' }]);
  });
});
