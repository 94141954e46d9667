/**
 * bench/ingest-stages — the CPU of each stage of an ingested event's trip (targets.md T1), one stage at a time in one
 * thread, with no HTTP, no other threads and no broker: the figures bench/ingest's process-wide CPU cannot split,
 * and steady enough to compare two builds on a shared machine (other load stretches wall time, not these).
 *
 *   node dist/bench/ingest-stages.js [--root <another checkout, built>] [--stages ingestion,user-profile,projection]
 *
 * `--root` loads the stages from another build (its `dist/`, its `node_modules`), e.g. the base commit of a change:
 * run both back to back and compare. Stages:
 * - ingestion: 100 batches of 1,000 normalized events (10,000 users, one in ten with profile data) through
 *   `IngestionService.ingest` (validation, identities, de-duplication streams, encryption, the append) on the embedded
 *   SQLite store; then every accepted event, read back 500 at a time, through `InboundProcessor.apply` (user-profile
 *   stubbed). Prints both (ingest, process).
 * - user-profile: 200 batches of 500 interactions (10,000 users; the first of each creates it) through
 *   `UserProfileService.recordInteractions` (command handling, encryption, appends).
 * - projection: 100,000 BotUser events (10,000 created, then interactions) through the user list's read-modify-write
 *   (`applyToUserDoc`, `withWalkKeys` with a walk held open since the start, `upsert`) on an `EmbeddedCollection`
 *   with USER_LIST_INDEXES — the projection's work without the event store read and the decoding.
 * Prints CPU ms (user + system, this process) per 1,000 events of each stage.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

type Module = Record<string, any>;

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const root = resolve(args.get('root') ?? join(__dirname, '..', '..'));
const stages = (args.get('stages') ?? 'ingestion,user-profile,projection').split(',');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (path: string): Module => require(join(root, path));
load('node_modules/reflect-metadata');

const BOT = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const USERS = 10_000;
const userId = (i: number) => `0d7f6a2b-1c3e-4f5a-8b9c-${String(i).padStart(12, '0')}`;
let clock = Date.UTC(2026, 0, 1);
const nextTime = () => new Date((clock += 1)).toISOString();
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function ingestion(): Promise<string> {
  const { createTestInfra } = load('dist/libs/platform/src/test-infra.js');
  const { IngestionService } = load('dist/services/ingestion/src/ingestion.service.js');
  const { InboundProcessor } = load('dist/services/ingestion/src/inbound-processor.js');
  let recent: unknown;
  try {
    recent = new (load('dist/services/ingestion/src/recently-accepted.js').RecentlyAccepted)();
  } catch {
    // A build before RecentlyAccepted: the processor decodes every event.
  }
  const infra = await createTestInfra();
  const service = new IngestionService(infra, recent);
  let sent = 0;
  const rpc = { request: async (_subject: string, payload: { items: unknown[] }) => void (sent += payload.items.length) };
  const processor = new InboundProcessor({ ...infra, rpc }, recent);
  let ingestMs = 0;
  let processMs = 0;
  let after = 0n;
  let n = 0;
  for (let batch = 0; batch < 100; batch++) {
    const events = Array.from({ length: 1000 }, () => {
      const u = n++ % USERS;
      const profile = n % 10 === 0 ? { profile: { firstName: 'Ada', lastName: `L${u}`, email: `a${u}@example.com` } } : {};
      return { eventId: `e-${n}`, type: 'message.received', channel: 'messenger', channelUserId: `psid-${u}`, occurredAt: nextTime(), ...profile };
    });
    let start = cpuMs();
    await service.ingest(BOT, { events });
    ingestMs += cpuMs() - start;
    start = cpuMs();
    for (;;) {
      const read: { position: bigint }[] = await infra.eventStore.readAll({ after, maxCount: 500, streamPrefixes: ['inbound-'] });
      if (read.length === 0) break;
      await processor.apply(read.map((event) => ({ ...event, source: 'ingestion' })));
      after = read[read.length - 1]!.position;
    }
    processMs += cpuMs() - start;
  }
  await infra.dispose();
  if (sent !== 100_000) throw new Error(`the processor sent ${sent} interactions, not 100,000`);
  return `ingestion: ingest=${(ingestMs / 100).toFixed(1)} process=${(processMs / 100).toFixed(1)}`;
}

async function userProfile(): Promise<string> {
  const { createTestInfra } = load('dist/libs/platform/src/test-infra.js');
  const { UserProfileService } = load('dist/services/user-profile/src/user-profile.service.js');
  const { CatalogService } = load('dist/services/user-profile/src/catalog.service.js');
  const infra = await createTestInfra();
  const service = new UserProfileService(infra, new CatalogService(infra));
  let n = 0;
  let spent = 0;
  for (let batch = 0; batch < 200; batch++) {
    const items = Array.from({ length: 500 }, () => {
      const u = n++ % USERS;
      const profile = n % 10 === 0 ? { profile: { firstName: 'Ada', lastName: `L${u}` } } : {};
      return { botId: BOT, userId: userId(u), channel: 'messenger', channelUserId: `psid-${u}`, eventType: 'message.received', occurredAt: nextTime(), ...profile };
    });
    const start = cpuMs();
    await service.recordInteractions(items);
    spent += cpuMs() - start;
  }
  await infra.dispose();
  return `user-profile=${(spent / 100).toFixed(1)}`;
}

async function projection(): Promise<string> {
  const { EmbeddedCollection } = load('dist/libs/readstore/src/embedded/embedded-collection.js');
  const { applyToUserDoc } = load('dist/services/segmentation/src/domain/user-list-doc.js');
  const { withWalkKeys, padPosition } = load('dist/services/segmentation/src/domain/search-keys.js');
  const { USER_LIST_INDEXES } = load('dist/services/segmentation/src/user-list.projection.js');
  const { USER_PROFILE_EVENTS: E } = load('dist/libs/contracts/src/index.js');
  const users = new EmbeddedCollection('users');
  await users.ensureIndexes(USER_LIST_INDEXES);
  const read = (id: string) => (users.getForUpdate ? users.getForUpdate(id) : users.get(id));
  const start = cpuMs();
  for (let position = 1; position <= 100_000; position++) {
    const u = (position - 1) % USERS;
    const at = nextTime();
    const profile = position % 10 === 0 ? { firstName: 'Ada', lastName: `L${u}`, email: `a${u}@example.com` } : {};
    const data = { botId: BOT, userId: userId(u) };
    const event =
      position <= USERS
        ? { type: E.created, data: { ...data, channel: 'messenger', channelUserId: `psid-${u}`, profile, status: 'subscribed', subscribedAt: at, lastInteractionAt: at, createdAt: at } }
        : { type: E.interacted, data: { ...data, occurredAt: at } };
    const doc = await read(data.userId);
    const next = applyToUserDoc(doc, event);
    await users.upsert(withWalkKeys(doc, next, BigInt(position), [padPosition(1n)]), BigInt(position));
  }
  return `projection=${((cpuMs() - start) / 100).toFixed(1)}`;
}

async function main(): Promise<void> {
  const results: string[] = [];
  for (const stage of stages) {
    if (stage === 'ingestion') results.push(await ingestion());
    else if (stage === 'user-profile') results.push(await userProfile());
    else if (stage === 'projection') results.push(await projection());
    else throw new Error(`unknown stage ${stage}`);
  }
  const conditions = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  console.log(`bench/ingest-stages root=${root} ${results.join(' ')} (CPU ms per 1,000 events; ${conditions})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
