import { randomUUID } from 'node:crypto';
import { streams, USER_PROFILE_EVENTS as E } from '@roster/contracts';
import { createTestInfra, loadAggregate, type TestInfra } from '@roster/platform';
import { CatalogService } from './catalog.service';
import { KeyShreddedError } from '@roster/privacy';
import { botUserDecider } from './domain/bot-user';
import { UserProfileService } from './user-profile.service';
import { botUserSnapshots } from './user-snapshots';

describe('UserProfileService', () => {
  let infra: TestInfra;
  let service: UserProfileService;
  const botId = randomUUID();

  beforeEach(async () => {
    infra = await createTestInfra();
    service = new UserProfileService(infra, new CatalogService(infra));
  });
  afterEach(async () => {
    await infra.dispose();
  });

  const item = (userId: string, second: number, profile?: Record<string, string>) => ({
    botId,
    userId,
    channel: 'messenger' as const,
    channelUserId: 'psid-7',
    eventType: 'message.received',
    occurredAt: new Date(Date.UTC(2026, 10, 1, 10, 0, second)).toISOString(),
    profile,
  });

  it('loses no update when 50 commands on one user run at once (optimistic concurrency with retry)', async () => {
    const userId = randomUUID();
    const seconds = Array.from({ length: 50 }, (_, i) => i);
    const results = await Promise.all(seconds.map((s) => service.recordInteractions([item(userId, s, { locale: `loc_${s}`, [`firstName`]: `Name${s}` })])));
    expect(results.every((applied) => applied <= 1)).toBe(true);
    const user = await service.getUser(botId, userId);
    expect(user).toMatchObject({ lastInteractionAt: '2026-11-01T10:00:49.000Z', locale: 'loc_49', firstName: 'Name49', status: 'subscribed' });
    const recorded = await infra.eventStore.readStream(streams.botUser(botId, userId));
    expect(recorded.filter((e) => e.type === E.created)).toHaveLength(1);
    expect(recorded.map((e) => e.revision)).toEqual(recorded.map((_, i) => BigInt(i)));
  });

  it('applies a redelivered batch only once', async () => {
    const userId = randomUUID();
    const batch = [item(userId, 1, { firstName: 'Ada' }), item(userId, 2), item(userId, 3, { lastName: 'Lovelace' })];
    await service.recordInteractions(batch);
    const before = await infra.eventStore.readStream(streams.botUser(botId, userId));
    expect(await service.recordInteractions(batch)).toBe(0);
    expect(await infra.eventStore.readStream(streams.botUser(botId, userId))).toHaveLength(before.length);
  });

  it('records all of one user\'s items of a batch in one append, each event with its own item as source', async () => {
    const userId = randomUUID();
    const batch = [
      item(userId, 1),
      { ...item(userId, 2), eventType: 'tag.added', tag: 'Lead' },
      item(userId, 3, { firstName: 'Ada' }),
      { ...item(userId, 4), eventType: 'sequence.subscribed', sequenceId: 'seq-1' },
    ];
    // Five items with a new interaction: four of this user, one of another user handled in parallel.
    expect(await service.recordInteractions([...batch, item(randomUUID(), 5)])).toBe(5);
    const recorded = await infra.eventStore.readStream(streams.botUser(botId, userId));
    expect(recorded.map((e) => e.type)).toEqual([E.created, E.interacted, E.tagAdded, E.interacted, E.profileUpdated, E.interacted, E.sequenceSubscribed]);
    expect(new Set(recorded.map((e) => e.recordedAt)).size).toBe(1);
    expect(recorded.map((e) => e.position - recorded[0]!.position)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    expect(recorded.map((e) => (e.metadata['actor'] as { eventType: string }).eventType)).toEqual([
      'message.received', 'tag.added', 'tag.added', 'message.received', 'message.received', 'sequence.subscribed', 'sequence.subscribed',
    ]);
  });

  it('never moves a user backwards when a batch holds an older event after a newer one', async () => {
    const userId = randomUUID();
    await service.recordInteractions([
      item(userId, 5, { firstName: 'New' }),
      { ...item(userId, 6), eventType: 'tag.added', tag: 'Lead' },
      item(userId, 2, { firstName: 'Old' }),
      { ...item(userId, 3), eventType: 'tag.removed', tag: 'Lead' },
    ]);
    expect(await service.getUser(botId, userId)).toMatchObject({ lastInteractionAt: '2026-11-01T10:00:06.000Z', firstName: 'New', tags: ['Lead'] });
  });

  it('applies a batch that failed halfway exactly once when it is delivered again (a crash mid-batch)', async () => {
    const users = Array.from({ length: 6 }, () => randomUUID());
    const batch = users.flatMap((userId, u) => [item(userId, 1, { firstName: `U${u}` }), { ...item(userId, 2), eventType: 'tag.added', tag: 'Lead' }, item(userId, 3)]);
    // The store fails the append of the fourth user once, as a process dying or a disk error would.
    const failing = streams.botUser(botId, users[3]!);
    let failed = false;
    const store = infra.eventStore;
    const appendToStream = (...args: Parameters<typeof store.appendToStream>) => {
      if (args[0] === failing && !failed) {
        failed = true;
        return Promise.reject(new Error('disk I/O error'));
      }
      return store.appendToStream(...args);
    };
    const flaky = new Proxy(store, {
      get: (target, name) => {
        if (name === 'appendToStream') return appendToStream;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const crashing = new UserProfileService({ ...infra, eventStore: flaky }, new CatalogService(infra));
    await expect(crashing.recordInteractions(batch)).rejects.toThrow('disk I/O error');
    expect(await infra.eventStore.readStream(failing)).toEqual([]);
    // Redelivered (to a fresh process, as after a restart): every user ends with each change exactly once.
    await new UserProfileService(infra, new CatalogService(infra)).recordInteractions(batch);
    for (const userId of users) {
      const types = (await infra.eventStore.readStream(streams.botUser(botId, userId))).map((e) => e.type);
      expect(types).toEqual([E.created, E.interacted, E.tagAdded, E.interacted]);
    }
  });

  it('keeps personal data out of the stored events (encrypted with the user key)', async () => {
    const userId = randomUUID();
    await service.recordInteractions([{ ...item(userId, 1, { email: 'ada@example.com', phone: '+31612345678' }), channelUserId: '+31612345678' }]);
    const raw = JSON.stringify((await infra.eventStore.readAll()).map((e) => [e.streamName, e.data, e.metadata]));
    expect(raw).not.toContain('ada@example.com');
    expect(raw).not.toContain('+31612345678');
    expect(await service.getUser(botId, userId)).toMatchObject({ email: 'ada@example.com', phone: '+31612345678', channelUserId: '+31612345678' });
  });

  it("loads a user from an encrypted snapshot of the state and the events after it: the state the whole stream folds to", async () => {
    const userId = randomUUID();
    const stream = streams.botUser(botId, userId);
    const personal = { email: 'ada@example.com', firstName: 'Ada' };
    const changes = [{ eventType: 'tag.added', tag: 'Lead' }, { eventType: 'sequence.subscribed', sequenceId: 'seq-1' }, { eventType: 'tag.added', tag: 'VIP' }, { eventType: 'tag.removed', tag: 'lead' }];
    for (let i = 0; i < 12; i++) {
      await service.recordInteractions([{ ...item(userId, i + 1, i === 2 ? personal : undefined), channelUserId: '+31612345678', ...changes[i % 5] }]);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Appends that left 8 events or more past the last snapshot wrote one; it holds nothing readable.
    const [read] = await infra.eventStore.readStreamsFromSnapshots([stream]);
    expect(read!.snapshot).toMatchObject({ data: { v: 1, userId, z: 1, state: expect.stringMatching(/^b1\./) } });
    expect(read!.events.length).toBeLessThan(8);
    const raw = JSON.stringify(read!.snapshot!.data);
    for (const value of ['ada@example.com', 'Ada', '+31612345678', botId, 'VIP', 'seq-1']) expect(raw).not.toContain(value);

    // From the snapshot, the state and version the whole stream folds to.
    const policy = botUserSnapshots(infra.pii, () => undefined);
    const whole = await loadAggregate(infra.eventStore, infra.codec, botUserDecider, stream);
    const fromSnapshot = await loadAggregate(infra.eventStore, infra.codec, botUserDecider, stream, policy);
    expect(fromSnapshot).toEqual({ ...whole, snapshotted: Number(read!.snapshot!.revision) + 1 });
    expect(JSON.stringify(fromSnapshot.state)).toBe(JSON.stringify(whole.state));

    // A process that does not hold the user reads the snapshot and the events after it, and goes on from there.
    const reads = jest.spyOn(infra.eventStore, 'readStreamsFromSnapshots');
    const fresh = new UserProfileService(infra, new CatalogService(infra));
    await fresh.recordInteractions([item(userId, 2, { firstName: 'Older' }), item(userId, 20, { lastName: 'Lovelace' })]);
    const [loaded] = await reads.mock.results[0]!.value;
    expect(loaded.snapshot?.revision).toBe(read!.snapshot!.revision);
    reads.mockRestore();
    expect(await fresh.getUser(botId, userId)).toMatchObject({ ...personal, lastName: 'Lovelace', tags: ['VIP', 'Lead'], lastInteractionAt: '2026-11-01T10:00:20.000Z' });
  });

  it("cannot read a user's snapshot once the user's key is shredded (erasure), and writes none for them", async () => {
    const userId = randomUUID();
    await service.recordInteractions([item(userId, 1, { firstName: 'Ada' })]);
    const policy = botUserSnapshots(infra.pii, () => undefined);
    const snapshot = await policy.encode({ ...(await service.getUser(botId, userId))!, exists: true, userId } as never);
    expect(await policy.decode(snapshot)).toMatchObject({ userId });
    expect(await policy.decode({ ...(snapshot as object), v: 0 })).toBeUndefined();

    await infra.pii.shred(userId);
    expect(await policy.decode(snapshot)).toBeUndefined();
    await expect(policy.encode({ exists: true, userId } as never)).rejects.toBeInstanceOf(KeyShreddedError);
  });

  it('answers undefined for an unknown user or another bot', async () => {
    const userId = randomUUID();
    await service.recordInteractions([item(userId, 1)]);
    expect(await service.getUser(botId, randomUUID())).toBeUndefined();
    expect(await service.getUser(randomUUID(), userId)).toBeUndefined();
  });
});
