import { randomBytes } from 'node:crypto';
import { SqliteEventStore } from '@roster/eventstore';
import { Pseudonymizer } from '@roster/privacy';
import { IdentityResolver } from './identity-resolver';

describe('IdentityResolver', () => {
  let store: SqliteEventStore;
  const pseudonymizer = new Pseudonymizer(randomBytes(32));

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ channel: 'sms' as const, channelUserId: `+3161234${String(i).padStart(4, '0')}` }));

  it('keeps every identity to the user it first claimed when far more identities pass than its cache holds', async () => {
    const resolver = new IdentityResolver(store, pseudonymizer, 8);
    const identities = ids(50);
    const first = await resolver.resolveAll('bot-1', identities);
    expect(new Set(first.values()).size).toBe(50);
    // Evicted long ago and read back from the identity streams; most recent ones still cached: the same ids either way.
    for (let round = 0; round < 3; round++) {
      const again = await resolver.resolveAll('bot-1', [...identities].reverse());
      expect(again).toEqual(first);
    }
    // A second resolver (a restart: an empty cache) agrees.
    expect(await new IdentityResolver(store, pseudonymizer, 8).resolveAll('bot-1', identities)).toEqual(first);
  });

  it('keeps bots apart: the same channel user under two bots is two users', async () => {
    const resolver = new IdentityResolver(store, pseudonymizer, 8);
    const [one] = ids(1);
    const a = await resolver.resolveAll('bot-1', [one!]);
    const b = await resolver.resolveAll('bot-2', [one!]);
    expect([...a.values()][0]).not.toBe([...b.values()][0]);
  });
});
