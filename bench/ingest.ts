/**
 * bench/ingest — targets.md T1: normalized events in → event store → list projection → visible in the list.
 *
 *   npm run bench -- [--mode embedded|distributed|both] [--source normalized|meta] [--mix] [--events 50000]
 *                    [--users 10000] [--batch 1000] [--concurrency 4] [--rate-seconds 10] [--runs 1] [--poll-ms 25]
 *                    [--burst 1]
 *
 * `--mix` sends mixed traffic instead of nine interactions in ten: of every ten events one carries profile data, two
 * are `tag.added` (a skewed pool of 50 tags, through the catalog), two are `field.set` (a number and a text field,
 * defined first), five are `message.received`. Normalized source only.
 * `--burst N` sends N consecutive events per user in phase 1 (a conversation) instead of one user after another.
 * `--runs N` repeats everything on a fresh deployment N times and prints the medians last.
 * `--poll-ms` is how often phase 1 asks the list for the marker (each ask is a search that costs the deployment CPU;
 * phase 2 always asks every 5 ms).
 *
 * `--source meta` sends the same events as signed Messenger webhooks (POST /webhooks/meta, one entry of `batch`
 * messaging items per request, X-Hub-Signature-256) instead of normalized events.
 *
 * Phase 1 (throughput): posts `events` events in batches, `concurrency` requests in flight, and reports accepted/s
 * and end-to-end events/s (until the newest event is visible at the top of the list: the pipeline is ordered, so
 * everything before it was applied too).
 * Phase 2 (latency at 1,000 events/s): sends 100 events every 100 ms for `rate-seconds`; every batch carries one probe
 * user with the newest time; reports p50/p99 from post to visible in the list (that probe at the top, or a later
 * one: when the projection applies two batches at once, the earlier probe is never seen at the top).
 * Prints one summary line per mode; conditions (cores, memory, SQLite synchronous) are printed too, and the CPU time
 * the deployment used per 1,000 events in phase 1 (the figure least disturbed by other load on a shared machine).
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Api } from '../e2e/support/api';
import { startDistributed, startEmbedded, type Deployment } from '../e2e/support/deployment';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i]!.replace(/^--/, '');
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) {
    args.set(name, 'true');
  } else {
    args.set(name, value);
    i++;
  }
}
const num = (name: string, fallback: number) => Number(args.get(name) ?? fallback);
const EVENTS = num('events', 50_000);
const USERS = num('users', 10_000);
const BATCH = num('batch', 1000);
const CONCURRENCY = num('concurrency', 4);
const RATE_SECONDS = num('rate-seconds', 10);
const MODE = args.get('mode') ?? 'embedded';
const SOURCE = args.get('source') ?? 'normalized';
const MIX = args.has('mix');
const RUNS = num('runs', 1);
const POLL_MS = num('poll-ms', 25);
const BURST = Math.max(1, num('burst', 1));
const PAGE_ID = 'bench-page';
const APP_SECRET = 'bench-app-secret';

let clock = Date.UTC(2026, 0, 1);
const nextTime = () => new Date((clock += 1)).toISOString();

/** 50 tags, Zipf-like (tag-00 is the most frequent), as in bench/search. */
const TAGS = Array.from({ length: 50 }, (_, i) => `tag-${String(i).padStart(2, '0')}`);
const TAG_CUMULATIVE = (() => {
  const weights = TAGS.map((_, i) => 1 / (i + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / sum));
})();
/** A fixed pseudo-random sequence (mulberry32), so runs send the same traffic. */
let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const PLANS = ['free', 'basic', 'pro', 'gold'];

interface BenchEvent {
  eventId: string;
  type: string;
  channel: string;
  channelUserId: string;
  occurredAt: string;
  profile?: Record<string, string>;
  tag?: string;
  key?: string;
  value?: unknown;
}

function makeEvent(run: string, i: number, user: string): BenchEvent {
  const base = { eventId: `${run}-${i}`, type: 'message.received', channel: 'messenger', channelUserId: user, occurredAt: nextTime() };
  const profile = { firstName: `First${i % 997}`, lastName: `Last${i % 991}`, locale: 'en_GB' };
  if (!MIX) return i % 10 === 0 ? { ...base, type: 'profile.updated', profile } : base;
  const r = rand();
  if (r < 0.1) return { ...base, type: 'profile.updated', profile };
  if (r < 0.3) {
    const x = rand();
    return { ...base, type: 'tag.added', tag: TAGS[Math.max(0, TAG_CUMULATIVE.findIndex((c) => x <= c))]! };
  }
  if (r < 0.4) return { ...base, type: 'field.set', key: 'score', value: Math.floor(rand() * 1000) / 10 };
  if (r < 0.5) return { ...base, type: 'field.set', key: 'plan', value: PLANS[Math.floor(rand() * PLANS.length)] };
  return base;
}

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

/**
 * When the list's top user is `channelUserId` — or, with `overtakenBy`, a user that says a later one of the same
 * ordered pipeline is applied (so this one is too; it may never be seen at the top when the projection applies two
 * probes in one batch).
 */
async function waitTop(api: Api, botId: string, channelUserId: string, timeoutMs = 600_000, pollMs = 5, overtakenBy: (top: string) => boolean = () => false): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const top = await topUser(api, botId);
    if (top === channelUserId || (top !== undefined && overtakenBy(top))) return Date.now();
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`not visible within ${timeoutMs} ms`);
}

/**
 * CPU time (user + system, ms) used so far by the Roster processes this bench started. Per event it is the figure that
 * other load on a shared machine disturbs least: contention stretches wall time much more than CPU time.
 */
function rosterCpuMs(): number {
  let pids: number[] = [];
  try {
    pids = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return NaN;
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended in between.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Result {
  readonly accept: number;
  readonly e2e: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms of the deployment per 1,000 events in phase 1. */
  readonly cpu: number;
}

async function run(mode: string, deployment: Deployment): Promise<Result> {
  const admin = new Api(deployment.baseUrl, deployment.adminKey);
  const bot = (await admin.post('/v1/bots', { name: 'bench' })).json;
  const api = admin.as((await admin.post(`/v1/bots/${bot.id}/api-keys`)).json.key);
  if (SOURCE === 'meta') await api.post(`/v1/bots/${bot.id}/channels`, { type: 'messenger', externalId: PAGE_ID, secret: APP_SECRET });
  if (MIX) {
    for (const [key, type] of [['score', 'number'], ['plan', 'text']]) {
      const res = await api.post(`/v1/bots/${bot.id}/fields`, { key, type });
      if (res.status !== 201) throw new Error(`defining field ${key}: ${res.status} ${res.text.slice(0, 300)}`);
    }
  }
  const runId = `r${Date.now()}`;
  seed = 0x5eed;

  // Phase 1: throughput.
  const batches: unknown[][] = [];
  for (let i = 0; i < EVENTS; i += BATCH) {
    batches.push(Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => makeEvent(runId, i + j, `u${Math.floor((i + j) / BURST) % USERS}`)));
  }
  const marker = `marker-${runId}`;
  const last = batches[batches.length - 1] as unknown[];
  last[last.length - 1] = { ...makeEvent(runId, EVENTS, marker), occurredAt: nextTime() };
  const cpuBefore = rosterCpuMs();
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
  const visibleAt = await waitTop(api, bot.id, marker, 600_000, POLL_MS);
  const acceptRate = Math.round(accepted / ((acceptedAt - started) / 1000));
  const e2eRate = Math.round(accepted / ((visibleAt - started) / 1000));
  const cpuPerThousand = Math.round(((rosterCpuMs() - cpuBefore) / accepted) * 1000);

  // Phase 2: latency at 1,000 events/s.
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const ticks = RATE_SECONDS * 10;
  for (let t = 0; t < ticks; t++) {
    const tickStart = Date.now();
    const probe = `probe-${runId}-${t}`;
    const events = Array.from({ length: 99 }, (_, j) => makeEvent(`${runId}-l${t}`, j, `u${(t * 99 + j) % USERS}`));
    events.push({ ...makeEvent(`${runId}-p`, t, probe), occurredAt: nextTime() });
    const sent = Date.now();
    await send(api, bot.id, events);
    const later = (top: string) => top.startsWith(`probe-${runId}-`) && Number(top.slice(`probe-${runId}-`.length)) > t;
    pending.push(waitTop(api, bot.id, probe, 30_000, 5, later).then((at) => void latencies.push(at - sent), () => void latencies.push(Number.POSITIVE_INFINITY)));
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tickStart))));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const conditions = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, SQLite synchronous=${process.env.ROSTER_SQLITE_SYNCHRONOUS ?? 'NORMAL'}${mode === 'distributed' ? ', JetStream file storage (server default sync)' : ''}`;
  const result = { accept: acceptRate, e2e: e2eRate, p50: pct(latencies, 50), p99: pct(latencies, 99), cpu: cpuPerThousand };
  console.log(
    `bench/ingest mode=${mode} source=${SOURCE}${MIX ? ' mix' : ''}${BURST > 1 ? ` burst=${BURST}` : ''} events=${accepted} users=${USERS} batch=${BATCH} concurrency=${CONCURRENCY} accept=${result.accept}/s end-to-end=${result.e2e}/s visible@1000/s p50=${result.p50}ms p99=${result.p99}ms cpu=${result.cpu}ms/1k events (${conditions})`,
  );
  return result;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function main() {
  const modes = MODE === 'both' ? ['embedded', 'distributed'] : [MODE];
  if (MIX && SOURCE !== 'normalized') throw new Error('--mix sends normalized events only');
  for (const mode of modes) {
    const results: Result[] = [];
    for (let r = 0; r < RUNS; r++) {
      const env = { ROSTER_BODY_LIMIT: String(16 * 1024 * 1024) };
      const deployment = mode === 'embedded' ? await startEmbedded(env) : await startDistributed(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', env);
      try {
        results.push(await run(mode, deployment));
      } finally {
        await deployment.stop();
      }
    }
    if (RUNS > 1) {
      const list = (key: keyof Result) => results.map((x) => x[key]).join('/');
      const med = (key: keyof Result) => median(results.map((x) => x[key]));
      console.log(
        `bench/ingest median of ${RUNS} mode=${mode} source=${SOURCE}${MIX ? ' mix' : ''}: accept=${med('accept')}/s (${list('accept')}) end-to-end=${med('e2e')}/s (${list('e2e')}) p50=${med('p50')}ms (${list('p50')}) p99=${med('p99')}ms (${list('p99')}) cpu=${med('cpu')}ms/1k (${list('cpu')})`,
      );
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
