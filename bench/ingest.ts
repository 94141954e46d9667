/**
 * bench/ingest — targets.md T1: normalized events in → event store → list projection → visible in the list.
 *
 *   npm run bench -- [--mode embedded|distributed|both] [--source normalized|meta] [--events 50000]
 *                    [--users 10000] [--batch 1000] [--concurrency 4] [--rate-seconds 10]
 *
 * `--source meta` sends the same events as signed Messenger webhooks (POST /webhooks/meta, one entry of `batch`
 * messaging items per request, X-Hub-Signature-256) instead of normalized events.
 *
 * Phase 1 (throughput): posts `events` events in batches, `concurrency` requests in flight, and reports accepted/s
 * and end-to-end events/s (until the newest event is visible at the top of the list: the pipeline is ordered, so
 * everything before it was applied too).
 * Phase 2 (latency at 1,000 events/s): sends 100 events every 100 ms for `rate-seconds`; every batch carries one probe
 * user with the newest time; reports p50/p99 from post to visible in the list.
 * Prints one summary line per mode; conditions (cores, memory, SQLite synchronous) are printed too.
 */
import { createHmac } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { Api } from '../e2e/support/api';
import { startDistributed, startEmbedded, type Deployment } from '../e2e/support/deployment';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => Number(args.get(name) ?? fallback);
const EVENTS = num('events', 50_000);
const USERS = num('users', 10_000);
const BATCH = num('batch', 1000);
const CONCURRENCY = num('concurrency', 4);
const RATE_SECONDS = num('rate-seconds', 10);
const MODE = args.get('mode') ?? 'embedded';
const SOURCE = args.get('source') ?? 'normalized';
const PAGE_ID = 'bench-page';
const APP_SECRET = 'bench-app-secret';

let clock = Date.UTC(2026, 0, 1);
const nextTime = () => new Date((clock += 1)).toISOString();

function makeEvent(run: string, i: number, user: string) {
  return {
    eventId: `${run}-${i}`,
    type: i % 10 === 0 ? 'profile.updated' : 'message.received',
    channel: 'messenger',
    channelUserId: user,
    occurredAt: nextTime(),
    ...(i % 10 === 0 ? { profile: { firstName: `First${i % 997}`, lastName: `Last${i % 991}`, locale: 'en_GB' } } : {}),
  };
}

type BenchEvent = ReturnType<typeof makeEvent>;

/** Sends one batch the way the chosen source would: normalized events, or a signed Messenger webhook. */
async function send(api: Api, botId: string, events: BenchEvent[]): Promise<number> {
  if (SOURCE !== 'meta') {
    const res = await api.post(`/v1/bots/${botId}/events`, { events });
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${res.text.slice(0, 600)}`);
    return res.json.accepted;
  }
  const messaging = events.map((e) => ({
    sender: { id: e.channelUserId },
    recipient: { id: PAGE_ID },
    timestamp: Date.parse(e.occurredAt),
    message: { mid: `m_${e.eventId}`, text: 'hello' },
  }));
  const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging }] });
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
  const res = await new Api(api.baseUrl).post('/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': signature });
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${res.text.slice(0, 600)}`);
  return events.length;
}

async function topUser(api: Api, botId: string): Promise<string | undefined> {
  const res = await api.get(`/v1/bots/${botId}/users?limit=1`);
  return res.json?.items?.[0]?.channelUserId;
}

async function waitTop(api: Api, botId: string, channelUserId: string, timeoutMs = 600_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await topUser(api, botId)) === channelUserId) return Date.now();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`not visible within ${timeoutMs} ms`);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function run(mode: string, deployment: Deployment) {
  const admin = new Api(deployment.baseUrl, deployment.adminKey);
  const bot = (await admin.post('/v1/bots', { name: 'bench' })).json;
  const api = admin.as((await admin.post(`/v1/bots/${bot.id}/api-keys`)).json.key);
  if (SOURCE === 'meta') await api.post(`/v1/bots/${bot.id}/channels`, { type: 'messenger', externalId: PAGE_ID, secret: APP_SECRET });
  const runId = `r${Date.now()}`;

  // Phase 1: throughput.
  const batches: unknown[][] = [];
  for (let i = 0; i < EVENTS; i += BATCH) {
    batches.push(Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => makeEvent(runId, i + j, `u${(i + j) % USERS}`)));
  }
  const marker = `marker-${runId}`;
  const last = batches[batches.length - 1] as unknown[];
  last[last.length - 1] = { ...makeEvent(runId, EVENTS, marker), occurredAt: nextTime() };
  const started = Date.now();
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let b = next++; b < batches.length; b = next++) {
        const taken = await send(api, bot.id, batches[b] as BenchEvent[]);
        accepted += taken;
      }
    }),
  );
  const acceptedAt = Date.now();
  const visibleAt = await waitTop(api, bot.id, marker);
  const acceptRate = Math.round(accepted / ((acceptedAt - started) / 1000));
  const e2eRate = Math.round(accepted / ((visibleAt - started) / 1000));

  // Phase 2: latency at 1,000 events/s.
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const ticks = RATE_SECONDS * 10;
  for (let t = 0; t < ticks; t++) {
    const tickStart = Date.now();
    const probe = `probe-${runId}-${t}`;
    const events = Array.from({ length: 99 }, (_, j) => makeEvent(`${runId}-l${t}`, j, `u${(t * 99 + j) % USERS}`)) as ReturnType<typeof makeEvent>[];
    events.push({ ...makeEvent(`${runId}-p`, t, probe), occurredAt: nextTime() });
    const sent = Date.now();
    await send(api, bot.id, events);
    pending.push(waitTop(api, bot.id, probe, 30_000).then((at) => void latencies.push(at - sent), () => void latencies.push(Number.POSITIVE_INFINITY)));
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tickStart))));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const conditions = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, SQLite synchronous=${process.env.ROSTER_SQLITE_SYNCHRONOUS ?? 'NORMAL'}${mode === 'distributed' ? ', JetStream file storage (server default sync)' : ''}`;
  console.log(
    `bench/ingest mode=${mode} source=${SOURCE} events=${accepted} users=${USERS} batch=${BATCH} concurrency=${CONCURRENCY} accept=${acceptRate}/s end-to-end=${e2eRate}/s visible@1000/s p50=${pct(latencies, 50)}ms p99=${pct(latencies, 99)}ms (${conditions})`,
  );
}

async function main() {
  const modes = MODE === 'both' ? ['embedded', 'distributed'] : [MODE];
  for (const mode of modes) {
    const env = { ROSTER_BODY_LIMIT: String(16 * 1024 * 1024) };
    const deployment = mode === 'embedded' ? await startEmbedded(env) : await startDistributed(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', env);
    try {
      await run(mode, deployment);
    } finally {
      await deployment.stop();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
