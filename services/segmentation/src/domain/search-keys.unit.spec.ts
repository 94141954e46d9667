import fc from 'fast-check';
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

  it('records and keeps a move only while a snapshot asked about lies between the change before it and its own', () => {
    const created = withWalkKeys(undefined, doc(t1), 10n);
    // Created and moved within one batch (the list stood at 5 before it): no walk can see the key it had at 10.
    expect(withWalkKeys(created, doc(t2), 20n, [padPosition(5n)]).sortMoves).toEqual([]);
    // A walk at 15 asks for the key held from 10 to 20: recorded; a second move in the same batch is asked by nobody.
    const moved = withWalkKeys(created, doc(t2), 20n, [padPosition(15n)]);
    expect(moved.sortMoves.map((m) => m.pos)).toEqual([padPosition(20n)]);
    const again = withWalkKeys(moved, doc(t3), 30n, [padPosition(15n)]);
    expect(again.sortMoves.map((m) => m.pos)).toEqual([padPosition(20n)]);
    expect(again.sortStamp).toBe(padPosition(30n));
    expect(sortKeyAt(again, 'lastInteractionAt', padPosition(15n))).toBe(t1);
    // Once the walk is over (only the list's position, 30, is asked about), a later change drops it, also when the
    // key does not move.
    const tagged = withWalkKeys(again, doc(t3, { tags: ['VIP', 'New'] }), 40n, [padPosition(30n)]);
    expect(tagged.sortMoves).toEqual([]);
    expect(tagged.sortStamp).toBe(padPosition(30n));
    // Without `asked` everything is kept, as before.
    expect(withWalkKeys(moved, doc(t3), 30n).sortMoves.map((m) => m.pos)).toEqual([padPosition(20n), padPosition(30n)]);
  });

  it('answers every snapshot asked about with the key the document had there (random histories)', () => {
    const times = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString());
    // Batches of changes (an interaction time, sometimes a tag); after each batch a walk may begin at its end, and
    // walks in progress may end. The reference is the history itself: at snapshot S the key is the one the last
    // change at or before S left. (A document that remembered every move is no reference: it keeps only the last
    // MAX_SORT_MOVES, and a walk that sees more moves than that would get a later key from it.)
    const change = fc.record({ time: fc.integer({ min: 0, max: times.length - 1 }), tagged: fc.boolean() });
    const batch = fc.record({ changes: fc.array(change, { minLength: 1, maxLength: 5 }), begins: fc.boolean(), ends: fc.array(fc.boolean(), { maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 12 }), (batches) => {
        let pruned: ReturnType<typeof withWalkKeys> | undefined;
        const history: { pos: string; key: string }[] = [];
        let stamp = '';
        let walks: string[] = [];
        let applied = padPosition(0n);
        let position = 0n;
        for (const { changes, begins, ends } of batches) {
          const asked = [...new Set([...walks, applied])].sort();
          for (const { time, tagged } of changes) {
            const next = doc(times[time]!, tagged ? { tags: ['x'] } : {});
            position++;
            const pos = padPosition(position);
            if (history.at(-1)?.key !== times[time]) stamp = pos;
            history.push({ pos, key: times[time]! });
            pruned = withWalkKeys(pruned, next, position, asked);
          }
          applied = padPosition(position);
          walks = walks.filter((_, i) => !ends[i]);
          if (begins) walks.push(applied);
          // Every walk in progress, and one that begins now, sees the document's key at its snapshot.
          for (const snapshot of [...walks, applied]) {
            if (snapshot < history[0]!.pos) continue;
            const expected = history.filter((h) => h.pos <= snapshot).at(-1)!.key;
            expect(sortKeyAt(pruned!, 'lastInteractionAt', snapshot)).toBe(expected);
          }
          expect(pruned!.sortStamp).toBe(stamp);
          // At most one move per snapshot asked about during the batch (each asks for one key).
          expect(pruned!.sortMoves.length).toBeLessThanOrEqual(asked.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
