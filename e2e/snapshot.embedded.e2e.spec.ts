import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@roster/testing';
import { Api, createBot, event, listAllUsers, type TestBot } from './support/api';
import { startEmbedded, type Deployment } from './support/deployment';

/**
 * The embedded read store's snapshot across restarts (targets.md T6): a graceful stop writes
 * `<data>/readstore.snapshot`, encrypted; the next start loads it and the projections resume from the checkpoints in
 * it instead of replaying the event store — so the restarted process writes nothing to its read store, and its stop
 * leaves the snapshot byte for byte as it was (any replayed write would have made it write a new one, under a new key).
 */
describe('Read store snapshot across restarts (embedded)', () => {
  jest.setTimeout(120_000);
  const USERS = 40;
  const SECRET_NAME = 'Snapshotina';
  const SECRET_EMAIL = 'snapshotina.private@example.org';
  let deployment: Deployment;
  let bot: TestBot;
  const snapshotFile = () => join(deployment.dataDir, 'readstore.snapshot');
  const search = async (body: Record<string, unknown>) => bot.api.post(`/v1/bots/${bot.id}/users/search`, { limit: 100, ...body });

  beforeAll(async () => {
    // Only stops write snapshots here, so what a restart writes is what the test reasons about.
    deployment = await startEmbedded({ ROSTER_SNAPSHOT_INTERVAL_SECONDS: '86400' });
    bot = await createBot(new Api(deployment.baseUrl, deployment.adminKey), 'Snapshot bot');
    const events = Array.from({ length: USERS }, (_, i) =>
      event({
        channelUserId: `snap-${i}`,
        profile: i === 0 ? { firstName: SECRET_NAME, lastName: 'Privé', email: SECRET_EMAIL } : { firstName: `User${i}`, lastName: 'Jansen' },
      }),
    );
    expect((await bot.api.post(`/v1/bots/${bot.id}/events`, { events })).status).toBe(202);
    await waitFor(async () => (await listAllUsers(bot.api, bot.id)).length === USERS, { timeoutMs: 30_000, what: `${USERS} users listed` });
  }, 180_000);

  afterAll(async () => {
    await deployment?.stop();
  });

  it('serves the list from the snapshot after a restart, without replaying into the read store', async () => {
    const before = await listAllUsers(bot.api, bot.id);
    await deployment.restart();
    const written = readFileSync(snapshotFile());
    for (const secret of [SECRET_NAME, SECRET_EMAIL]) expect(written.includes(Buffer.from(secret))).toBe(false);
    expect(readdirSync(deployment.dataDir).filter((name) => /^readstore\.snapshot\.[0-9a-f]{32}\.key$/.test(name))).toHaveLength(1);

    // Right after the restart: the whole list and a search on a personal value, as before.
    expect(await listAllUsers(bot.api, bot.id)).toEqual(before);
    const found = await search({ filter: { all: [{ field: 'email', op: 'is', value: SECRET_EMAIL }] } });
    expect(found.status).toBe(200);
    expect(found.json.items.map((u: { channelUserId: string }) => u.channelUserId)).toEqual(['snap-0']);

    await deployment.restart();
    expect(readFileSync(snapshotFile()).equals(written)).toBe(true);
    expect(await listAllUsers(bot.api, bot.id)).toEqual(before);
  });

  it('rebuilds from the event store when the snapshot is damaged', async () => {
    const before = await listAllUsers(bot.api, bot.id);
    await deployment.restart();
    const damaged = readFileSync(snapshotFile());
    damaged[damaged.length - 30]! ^= 0xff;
    writeFileSync(snapshotFile(), damaged);

    await deployment.restart();
    await waitFor(async () => JSON.stringify(await listAllUsers(bot.api, bot.id)) === JSON.stringify(before), { timeoutMs: 30_000, what: 'the list rebuilt' });
    await deployment.restart();
    expect(readFileSync(snapshotFile()).equals(damaged)).toBe(false);
    expect(await listAllUsers(bot.api, bot.id)).toEqual(before);
  });
});
