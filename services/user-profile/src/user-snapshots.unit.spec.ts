import { randomUUID } from 'node:crypto';
import { MemoryKeyVault, PiiCodec } from '@roster/privacy';
import type { BotUserState } from './domain/bot-user-state';
import { botUserSnapshots } from './user-snapshots';

const at = (day: number) => new Date(Date.UTC(2026, 0, day, 9, 30, 15, 120)).toISOString();

/** A user as the bench's load makes them: a profile, tags, three fields, a sequence and an OTN topic, a note. */
function richState(userId: string): BotUserState {
  return {
    exists: true,
    profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com', phone: '+31612345678', language: 'en', timezone: 'Europe/Amsterdam', gender: 'female' },
    status: 'subscribed',
    subscribedAt: at(3),
    tags: ['VIP', 'newsletter', 'lead-hot'],
    fields: { plan: { type: 'text', value: 'pro' }, score: { type: 'number', value: 42.5 }, onboarded: { type: 'boolean', value: true } },
    notes: [{ id: randomUUID(), text: 'Asked about invoices twice', createdAt: at(20), updatedAt: at(21) }],
    sequences: [{ id: 'seq-welcome', name: 'Welcome', subscribedAt: at(4) }],
    otnTopics: [{ id: 'otn-sale', name: 'Winter sale', optedInAt: at(9) }],
    asOf: { 'tag:vip': at(5), 'tag:newsletter': at(6), 'tag:lead-hot': at(7), 'field:plan': at(8), 'field:score': at(8), 'field:onboarded': at(8), 'sequence:seq-welcome': at(4), 'otn:otn-sale': at(9) },
    botId: randomUUID(),
    userId,
    channel: 'whatsapp',
    channelUserId: '31612345678',
    profileAsOf: at(3),
    statusAsOf: at(3),
    lastInteractionAt: at(30),
    createdAt: at(3),
  };
}

describe('BotUser snapshots', () => {
  const pii = new PiiCodec(new MemoryKeyVault());
  const policy = botUserSnapshots(pii, () => undefined);

  it('decode gives back the state encode was given', async () => {
    const state = richState(randomUUID());
    const decoded = await policy.decode(await policy.encode(state));
    expect(decoded).toEqual(state);
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(state));
  });

  it('holds nothing readable, and fits in place in a SQLite page (~1 KB with the stream name and event id) where the JSON form did not', async () => {
    const userId = randomUUID();
    const state = richState(userId);
    const text = JSON.stringify(await policy.encode(state));
    for (const value of ['Ada', 'Lovelace', 'example.com', '31612345678', state.botId!, 'VIP', 'seq-welcome', 'Winter', 'invoices']) expect(text).not.toContain(value);
    const jsonForm = JSON.stringify({ v: 1, userId, state: await pii.encrypt(userId, state as never) });
    expect(jsonForm.length).toBeGreaterThan(1_200);
    expect(text.length).toBeLessThan(750);
  });

  it('reads the form written before compression (the JSON encrypted as one value)', async () => {
    const userId = randomUUID();
    const state = richState(userId);
    expect(await policy.decode({ v: 1, userId, state: await pii.encrypt(userId, state as never) })).toEqual(state);
  });

  it('uses no snapshot of another version, another dictionary or a mixed form (the stream is read whole instead)', async () => {
    const userId = randomUUID();
    const state = richState(userId);
    const compressed = (await policy.encode(state)) as Record<string, unknown>;
    const json = { v: 1, userId, state: await pii.encrypt(userId, state as never) };
    for (const data of [
      { ...compressed, v: 2 },
      { ...compressed, z: 2 },
      { ...compressed, z: undefined },
      { ...json, z: 1 },
      { ...json, v: 0 },
      null,
      'b1.x',
    ]) {
      expect(await policy.decode(data)).toBeUndefined();
    }
  });

  it("cannot be read once the user's key is shredded, and none is written for them", async () => {
    const userId = randomUUID();
    const snapshot = await policy.encode(richState(userId));
    await pii.shred(userId);
    expect(await policy.decode(snapshot)).toBeUndefined();
    await expect(policy.encode(richState(userId))).rejects.toThrow();
  });

  it('writes no snapshot of a user that does not exist', async () => {
    expect(await policy.encode({ ...richState(randomUUID()), exists: false })).toBeUndefined();
  });
});
