/**
 * bench/search — targets.md T2 (filtered search over 1M users of one bot), T5 (memory), T6 (restart).
 *
 *   node dist/bench/search.js [--mode embedded|distributed] [--users 1000000] [--seconds 5] [--clients 10]
 *                             [--pages 20] [--concurrency 4] [--background 1000] [--shapes 1,2,13] [--data <dir>]
 *                             [--node-args '--cpu-prof --cpu-prof-dir=/tmp/prof'] [--client http|fetch]
 *
 * `--data <dir>` (embedded only) keeps the deployment's data directory: the first run loads the users into it and
 * writes `bench-search.json` (bot id, keys, user count) beside Roster's files; later runs with the same directory
 * skip the load (their start is timed as a restart too: start to first answer and to the full count).
 *
 * 1. Load: starts a fresh deployment (as the e2e suite does), creates a bot, a key and four custom fields, then posts
 *    `users` users of that bot as normalized events in batches of ≤ 1000 (a user's events stay in one batch),
 *    `concurrency` requests in flight: a profile, 0–5 tags from a skewed pool of 50, three `field.set` values, some
 *    sequence subscriptions, OTN opt-ins and unsubscriptions, `occurredAt` spread over the past year. Waits until
 *    `POST /users/count` without a filter answers `users`.
 * 2. Query: 20 fixed filter shapes, very selective to match-all, each with one of the three sorts. Per shape, for
 *    `seconds` each and with `clients` concurrent clients: first page (limit 50); deep page (follow the cursor
 *    `pages` pages, the last one timed); exact count. All the while a background loop ingests `background`
 *    events/s (tenths every 100 ms) on existing users.
 * 3. Memory: VmRSS of the Roster process(es) (children of this process, read from /proc) after the load, peak during
 *    the queries, VmHWM.
 * 4. Restart (T6): `deployment.restart()`, then time to the first successful search answer, to the first exact
 *    count equal to `users`, and until pages answer within 50 ms (the embedded store builds its indexes in the
 *    background after loading its snapshot; until then queries scan). A start on kept data waits for the same before
 *    the query phases.
 * Before phase 2 (after a load, or a start on kept data) it waits until the Roster process is idle (under a tenth of a
 * core over 5 s), so that a backlog in the pipeline is not measured as query latency.
 * The query phases and the background post through `--client` (default `http`: node:http with keep-alive, see
 * `support/http-poster.ts`; `fetch` as runs before 2026-12-05's fourth session did), and the summary line says how much
 * CPU the bench itself took meanwhile: it shares the machine's cores with what it measures.
 * Prints one line per shape and one summary line, with the conditions (cores, memory, SQLite synchronous, mode).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { Api } from '../e2e/support/api';
import { startDistributed, startEmbedded, type Deployment } from '../e2e/support/deployment';
import { FIRST, LANGS, LAST, PLANS, prng, sampler, SHAPES, TAG_WEIGHTS } from './support/search-shapes';
import { backgroundLoad } from './support/background-load';
import { HttpPoster, type Poster } from './support/http-poster';
import { rosterProcesses, untilRosterIdle } from './support/roster-processes';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => Number(args.get(name) ?? fallback);
const MODE = args.get('mode') ?? 'embedded';
const USERS = num('users', 1_000_000);
const SECONDS = num('seconds', 5);
const CLIENTS = num('clients', 10);
const PAGES = num('pages', 20);
const CONCURRENCY = num('concurrency', 4);
const BACKGROUND = num('background', 1000);
const ONLY = args.get('shapes')?.split(',').map(Number);
const DATA = args.get('data');
/**
 * Node flags for the Roster process(es) only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (the profile is written at a
 * graceful stop). The same as BENCH_NODE_ARGS in the environment (which bench/ingest honours too).
 */
const SERVER_NODE_ARGS = args.get('node-args');
/** Seconds per shape of a quiet baseline (one client, no background ingestion) measured first in the same run; 0 skips. */
const BASELINE = num('baseline-seconds', 1);
/** The query phases' HTTP client: `http` (node:http, keep-alive; the default) or `fetch` (as before 2026-12-05, fourth session). */
const CLIENT = args.get('client') === 'fetch' ? 'fetch' : 'http';
const BATCH = 1000;
const DAY = 86_400_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v * 10) / 10}ms` : '-');
const mib = (kib: number) => `${Math.round(kib / 1024)}MiB`;
const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);

const rand = prng(20261125);
const { pick, weighted } = sampler(rand);

const now0 = Date.now();
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

function userEvents(run: string, i: number): object[] {
  const base = now0 - 7 * DAY - Math.floor(rand() * 358 * DAY); // first contact: 1 week to 1 year ago
  let t = base;
  const at = () => new Date((t += 1000 + Math.floor(rand() * 60_000))).toISOString();
  const user = `u${i}`;
  const common = (k: number, type: string) => ({ eventId: `${run}-${i}-${k}`, type, channel: 'messenger', channelUserId: user, occurredAt: at() });
  const [language, locale, timezone] = weighted(LANGS.map((l) => [l, l[3]] as const));
  const firstName = pick(FIRST);
  const lastName = pick(LAST);
  const profile: Record<string, string> = { firstName, lastName, language, locale, timezone };
  const g = rand();
  if (g < 0.45) profile.gender = 'female';
  else if (g < 0.9) profile.gender = 'male';
  if (rand() < 0.6) profile.email = `${firstName.toLowerCase()}.${i}@${rand() < 0.3 ? 'example.com' : 'mail.test'}`;
  const events: object[] = [{ ...common(0, 'message.received'), profile }];
  let k = 1;
  const tagCount = weighted([[0, 25], [1, 25], [2, 20], [3, 15], [4, 10], [5, 5]] as const);
  const tags = new Set<string>();
  while (tags.size < tagCount) tags.add(weighted(TAG_WEIGHTS));
  for (const tag of tags) events.push({ ...common(k++, 'tag.added'), tag });
  events.push({ ...common(k++, 'field.set'), key: 'score', value: Math.floor(rand() * 1000) / 10 });
  events.push({ ...common(k++, 'field.set'), key: 'plan', value: weighted(PLANS.map(([p, w]) => [p, w] as const)) });
  events.push({ ...common(k++, 'field.set'), key: 'last_order', value: dayOf(base + Math.floor(rand() * (now0 - base))) });
  if (rand() < 0.05) events.push({ ...common(k++, 'field.set'), key: 'vip', value: true });
  if (rand() < 0.25) events.push({ ...common(k++, 'sequence.subscribed'), sequenceId: `seq-${Math.floor(rand() * 5)}`, sequenceName: 'Onboarding' });
  if (rand() < 0.15) events.push({ ...common(k++, 'otn.optin'), topicId: `otn-${Math.floor(rand() * 3)}`, topicName: 'Restock' });
  if (rand() < 0.08) events.push({ ...common(k++, 'user.unsubscribed') });
  return events;
}

// ---- query shapes -------------------------------------------------------------------------------------------------

// ---- process memory ---------------------------------------------------------------------------------------------
function status(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
/** KiB per process, the largest first (embedded: one process; distributed: the list projection's holder is segmentation). */
const rssReport = (key: 'VmRSS' | 'VmHWM' = 'VmRSS') =>
  rosterProcesses()
    .map((p) => ({ ...p, kib: status(p.pid, key) }))
    .sort((a, b) => b.kib - a.kib);

const untilIdle = (what: string, maxMinutes?: number) => untilRosterIdle(what, log, maxMinutes);

// ---- phases -------------------------------------------------------------------------------------------------------
async function setup(api0: Api) {
  const bot = (await api0.post('/v1/bots', { name: 'bench-search', timezone: 'Europe/Amsterdam' })).json;
  const botKey = (await api0.post(`/v1/bots/${bot.id}/api-keys`)).json.key as string;
  const api = api0.as(botKey);
  for (const [key, type] of [['score', 'number'], ['plan', 'text'], ['last_order', 'date'], ['vip', 'boolean']]) {
    const res = await api.post(`/v1/bots/${bot.id}/fields`, { key, type });
    if (res.status !== 201) throw new Error(`defining field ${key}: ${res.status} ${res.text.slice(0, 300)}`);
  }
  return { botId: bot.id as string, api, botKey };
}

/**
 * Posts the users. Batches are retried (event ids make that harmless) and, with `--data`, the users posted so far
 * (a contiguous prefix) are saved every 15 s, so a load that is interrupted resumes where it was: the generator is
 * replayed from the start to reach the same users, but batches already posted are not sent again.
 */
async function load(api: Api, botId: string, run: string, resumeFrom = 0, saveProgress: (users: number) => void = () => {}) {
  const started = Date.now();
  let nextUser = 0;
  let accepted = 0;
  let posted = 0;
  const nextBatch = (): { events: object[]; from: number; to: number } | undefined => {
    for (;;) {
      if (nextUser >= USERS) return undefined;
      const from = nextUser;
      const events: object[] = [];
      while (nextUser < USERS) {
        const userEvents0 = userEvents(run, nextUser);
        if (events.length + userEvents0.length > BATCH) break;
        events.push(...userEvents0);
        nextUser++;
      }
      if (nextUser > resumeFrom) return { events, from, to: nextUser };
    }
  };
  /** Batches done out of order (several in flight): the contiguous prefix of users is what a resume may skip. */
  const done = new Map<number, number>();
  let prefix = resumeFrom;
  const finished = (from: number, to: number) => {
    done.set(from, to);
    for (let end = done.get(prefix); end !== undefined; end = done.get(prefix)) {
      done.delete(prefix);
      prefix = end;
    }
  };
  const progress = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    saveProgress(prefix);
    log(`load: ${nextUser}/${USERS} users posted, ${accepted} events accepted (${Math.round(accepted / s)}/s accepted), RSS ${mib(rssReport()[0]?.kib ?? NaN)}`);
  }, 15_000);
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let batch = nextBatch(); batch; batch = nextBatch()) {
          for (let attempt = 1; ; attempt++) {
            const res = await api.post(`/v1/bots/${botId}/events`, { events: batch.events }).catch((error: unknown) => ({ status: 0, text: String(error), json: undefined }));
            if (res.status === 202) {
              accepted += res.json.accepted;
              break;
            }
            if (attempt >= 10) throw new Error(`ingest answered ${res.status} ${attempt} times: ${res.text.slice(0, 600)}`);
            log(`load: ingest answered ${res.status} (${res.text.slice(0, 120)}); retrying the batch in 2 s`);
            await sleep(2000);
          }
          posted += batch.events.length;
          finished(batch.from, batch.to);
        }
      }),
    );
  } finally {
    clearInterval(progress);
  }
  saveProgress(USERS);
  const acceptedAt = Date.now();
  log(`load: all ${posted} events accepted in ${((acceptedAt - started) / 1000).toFixed(0)} s; waiting for count = ${USERS}`);
  let lastLog = Date.now();
  for (;;) {
    const res = await api.post(`/v1/bots/${botId}/users/count`, {});
    if (res.status === 200 && res.json.count >= USERS) break;
    if (Date.now() - lastLog > 15_000) {
      log(`load: count answers ${res.status} ${res.status === 200 ? res.json.count : res.text.slice(0, 200)}, RSS ${mib(rssReport()[0]?.kib ?? NaN)}`);
      lastLog = Date.now();
    }
    await sleep(1000);
  }
  const visibleAt = Date.now();
  return { events: accepted, acceptRate: accepted / ((acceptedAt - started) / 1000), e2eRate: accepted / ((visibleAt - started) / 1000), seconds: (visibleAt - started) / 1000 };
}

interface ShapeResult {
  index: number;
  name: string;
  sort: string;
  matches: number;
  first: number[];
  deep: number[];
  deepPagesReached: number;
  count: number[];
  errors: number;
}

/**
 * A request that took over SLOW_MS is logged with its start (wall clock, ms) so that stalls can be lined up with a
 * CPU profile's or a GC log's timeline.
 */
const SLOW_MS = 1000;
function slow(what: string, started: number, elapsed: number): void {
  if (elapsed > SLOW_MS) log(`slow: ${what} took ${Math.round(elapsed)} ms, started ${new Date(performance.timeOrigin + started).toISOString().slice(11, 23)}`);
}

/** Runs `work` on `clients` concurrent clients until `seconds` have passed (each client finishes its current call). */
async function forClients(work: () => Promise<void>, minRounds = 0, clients = CLIENTS, seconds = SECONDS): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let round = 0; round < minRounds || Date.now() < deadline; round++) await work();
    }),
  );
}

async function measureShape(api: Poster, botId: string, index: number, shape: (typeof SHAPES)[number], quiet = false): Promise<ShapeResult> {
  const clients = quiet ? 1 : CLIENTS;
  const seconds = quiet ? BASELINE : SECONDS;
  const result: ShapeResult = { index, name: shape.name, sort: `${shape.sort.by}:${shape.sort.order}`, matches: NaN, first: [], deep: [], deepPagesReached: 0, count: [], errors: 0 };
  const search = async (cursor?: string) => {
    const t = performance.now();
    const res = await api.post(`/v1/bots/${botId}/users/search`, { filter: shape.filter, sort: shape.sort, limit: 50, ...(cursor ? { cursor } : {}) });
    const elapsed = performance.now() - t;
    slow(`shape ${index} ${cursor ? 'page' : 'first page'}`, t, elapsed);
    if (res.status !== 200) {
      result.errors++;
      if (result.errors === 1) log(`shape ${index}: search answered ${res.status} ${res.text.slice(0, 400)}`);
      return undefined;
    }
    return { elapsed, next: res.json.nextCursor as string | null };
  };
  const counted = await api.post(`/v1/bots/${botId}/users/count`, { filter: shape.filter });
  if (counted.status !== 200) log(`shape ${index}: count answered ${counted.status} ${counted.text.slice(0, 400)}`);
  result.matches = counted.json?.count ?? NaN;

  await forClients(async () => {
    const page = await search();
    if (page) result.first.push(page.elapsed);
  }, 0, clients, seconds);
  // Deep pages: only shapes with more than PAGES pages of matches reach page PAGES; each client walks at least once.
  await forClients(async () => {
    let cursor: string | undefined;
    for (let p = 1; p <= PAGES; p++) {
      const page = await search(cursor);
      if (!page) return;
      if (p === PAGES) result.deep.push(page.elapsed);
      result.deepPagesReached = Math.max(result.deepPagesReached, p);
      if (!page.next) return;
      cursor = page.next;
    }
  }, 1, quiet ? 0 : clients, seconds);
  await forClients(async () => {
    const t = performance.now();
    const res = await api.post(`/v1/bots/${botId}/users/count`, { filter: shape.filter });
    const elapsed = performance.now() - t;
    slow(`shape ${index} count`, t, elapsed);
    if (res.status === 200) result.count.push(elapsed);
    else result.errors++;
  }, 0, clients, seconds);
  for (const list of [result.first, result.deep, result.count]) list.sort((a, b) => a - b);
  return result;
}

/** Polls a search and the count until the count reaches USERS: times (ms since `t0`) of the first answer and of that. */
async function untilFullCount(api: Api, botId: string, t0: number, ready: () => boolean = () => true) {
  let firstAnswer = NaN;
  let firstCount = NaN;
  let complete = NaN;
  const deadline = Date.now() + 15 * 60_000;
  while (Date.now() < deadline && Number.isNaN(complete)) {
    if (ready()) {
      try {
        const res = await api.post(`/v1/bots/${botId}/users/search`, { filter: { all: [] }, limit: 50 });
        if (res.status === 200 && Number.isNaN(firstAnswer)) firstAnswer = performance.now() - t0;
        if (res.status === 200) {
          const counted = await api.post(`/v1/bots/${botId}/users/count`, {});
          if (counted.status === 200 && Number.isNaN(firstCount)) firstCount = counted.json.count;
          if (counted.status === 200 && counted.json.count >= USERS) complete = performance.now() - t0;
        }
      } catch {
        // not listening yet
      }
    }
    await sleep(50);
  }
  return { firstAnswer, firstCount, complete };
}

/**
 * After a start the embedded store answers at once but builds its indexes in the background (scanning meanwhile):
 * polls a match-all page and a selective page until both answer within 50 ms three times in a row. Returns ms since
 * `t0` (NaN after 15 minutes). The query phases start only then, so T2 is measured on a store whose indexes exist.
 */
async function untilFast(api: Api, botId: string, t0: number): Promise<number> {
  const bodies = [{ limit: 50 }, { filter: SHAPES[0]!.filter, sort: SHAPES[0]!.sort, limit: 50 }];
  const deadline = Date.now() + 15 * 60_000;
  let streak = 0;
  while (Date.now() < deadline) {
    let fast = true;
    for (const body of bodies) {
      const t = performance.now();
      const res = await api.post(`/v1/bots/${botId}/users/search`, body).catch(() => undefined);
      if (res?.status !== 200 || performance.now() - t > 50) fast = false;
    }
    streak = fast ? streak + 1 : 0;
    if (streak >= 3) return performance.now() - t0;
    await sleep(fast ? 50 : 1000);
  }
  return NaN;
}

async function restartTimes(deployment: Deployment, api: Api, botId: string) {
  const old = rosterProcesses();
  const t0 = performance.now();
  let oldGoneAt = NaN;
  const watch = setInterval(() => {
    if (Number.isNaN(oldGoneAt) && old.every((p) => !existsSync(`/proc/${p.pid}`))) oldGoneAt = performance.now() - t0;
  }, 10);
  let readyAt = NaN;
  const restarted = deployment.restart().then(
    () => void (readyAt = performance.now() - t0),
    (error) => log(`restart: readiness check gave up (${String(error).split('\n')[0]}); polling on`),
  );
  const { firstAnswer, firstCount, complete } = await untilFullCount(api, botId, t0, () => !Number.isNaN(oldGoneAt));
  clearInterval(watch);
  await restarted;
  const fastAt = await untilFast(api, botId, t0);
  return { oldGoneAt, readyAt, firstAnswer, firstCount, complete, fastAt, rss: rssReport() };
}

/** What a kept data directory remembers between runs (the keys are the bench's own, for a throwaway deployment). */
interface KeptRun {
  adminKey: string;
  botId: string;
  botKey: string;
  users: number;
  /** The load's id: its users' channel ids do not depend on it, its event ids do. */
  run: string;
  /** Users 0 … loadedUsers - 1 are posted and accepted (the load resumes after them). */
  loadedUsers: number;
}

async function main() {
  const env: NodeJS.ProcessEnv = { ROSTER_BODY_LIMIT: String(16 * 1024 * 1024) };
  if (SERVER_NODE_ARGS) env.BENCH_NODE_ARGS = SERVER_NODE_ARGS;
  if (DATA && MODE !== 'embedded') throw new Error('--data works in embedded mode only');
  const statePath = DATA && join(DATA, 'bench-search.json');
  const kept: KeptRun | undefined = statePath && existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as KeptRun) : undefined;
  if (kept && kept.users !== USERS) throw new Error(`${DATA} holds ${kept.users} users, not ${USERS}: use another --data directory`);
  const adminKey = kept?.adminKey ?? randomBytes(24).toString('base64url');
  const startedAt = performance.now();
  const deployment =
    MODE === 'embedded'
      ? await startEmbedded(env, DATA ? { dataDir: DATA, adminKey } : undefined)
      : await startDistributed(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', env);
  const conditions = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, mode=${MODE}, SQLite synchronous=${process.env.ROSTER_SQLITE_SYNCHRONOUS ?? 'NORMAL'}${MODE === 'distributed' ? ', JetStream file storage (server default sync)' : ', in-memory read store'}`;
  log(`bench/search: ${USERS} users, ${CLIENTS} clients, ${SECONDS} s per phase, background ${BACKGROUND} events/s (${conditions})${kept ? `, reusing ${DATA} (${kept.loadedUsers} users loaded)` : ''}`);
  try {
    const admin = new Api(deployment.baseUrl, deployment.adminKey);
    let state: KeptRun;
    let api: Api;
    let loaded = { events: NaN, acceptRate: NaN, e2eRate: NaN, seconds: NaN };
    if (kept) {
      state = kept;
      api = admin.as(kept.botKey);
    } else {
      const created = await setup(admin);
      api = created.api;
      state = { adminKey, botId: created.botId, botKey: created.botKey, users: USERS, run: `s${Date.now()}`, loadedUsers: 0 };
    }
    const { botId, run } = state;
    const save = (loadedUsers: number) => {
      state = { ...state, loadedUsers };
      if (statePath) writeFileSync(statePath, JSON.stringify(state));
    };
    if (state.loadedUsers < USERS) {
      save(state.loadedUsers);
      loaded = await load(api, botId, run, state.loadedUsers, save);
    } else {
      const start = await untilFullCount(api, botId, startedAt);
      log(`start on kept data: ready and first answer after ${(start.firstAnswer / 1000).toFixed(1)} s, count = ${USERS} after ${(start.complete / 1000).toFixed(1)} s, RSS ${mib(rssReport()[0]?.kib ?? NaN)}`);
      const fastAt = await untilFast(api, botId, startedAt);
      log(`start on kept data: pages answer within 50 ms (indexes built) after ${(fastAt / 1000).toFixed(1)} s, RSS ${mib(rssReport()[0]?.kib ?? NaN)}`);
    }
    await untilIdle(kept && kept.loadedUsers >= USERS ? 'after the start on kept data' : 'after the load');
    const afterLoad = rssReport();
    log(`load: ${loaded.events} events, ${USERS} users searchable after ${loaded.seconds.toFixed(0)} s (accept ${Math.round(loaded.acceptRate)}/s, end to end ${Math.round(loaded.e2eRate)}/s); RSS ${afterLoad.map((p) => `${p.label}=${mib(p.kib)}`).join(' ')}`);

    // The query phases' client: see HttpPoster (fetch is kept for comparisons with runs before 2026-12-05, fourth session).
    const client: Poster = CLIENT === 'fetch' ? api : new HttpPoster(api.baseUrl, api.key);
    const quiet = new Map<number, ShapeResult>();
    if (BASELINE > 0) {
      for (const [i, shape] of SHAPES.entries()) if (!ONLY || ONLY.includes(i + 1)) quiet.set(i + 1, await measureShape(client, botId, i + 1, shape, true));
      const q = (key: 'first' | 'count') => [...quiet.values()].flatMap((r) => r[key]).sort((a, b) => a - b);
      log(`quiet baseline (1 client, no background ingestion, ${BASELINE} s per shape): first page p50=${ms(pct(q('first'), 50))} p99=${ms(pct(q('first'), 99))} count p50=${ms(pct(q('count'), 50))} p99=${ms(pct(q('count'), 99))}`);
    }
    // Background event ids must be new in every run (a kept directory has seen the earlier runs' ids).
    const bg = backgroundLoad(client, botId, `${run}-${Date.now()}`, { users: USERS, rate: BACKGROUND, rand });
    const benchCpu = process.cpuUsage();
    const benchWall = performance.now();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssReport()[0]?.kib ?? 0)), 1000);
    const results: ShapeResult[] = [];
    try {
      for (const [i, shape] of SHAPES.entries()) {
        if (ONLY && !ONLY.includes(i + 1)) continue;
        const r = await measureShape(client, botId, i + 1, shape);
        results.push(r);
        console.log(
          `shape ${String(r.index).padStart(2)} ${r.name.padEnd(38)} sort=${r.sort.padEnd(21)} matches=${String(r.matches).padStart(8)} ` +
            `first p50=${ms(pct(r.first, 50))} p99=${ms(pct(r.first, 99))} (n=${r.first.length}) ` +
            `page${PAGES} p50=${ms(pct(r.deep, 50))} p99=${ms(pct(r.deep, 99))} (n=${r.deep.length}${r.deep.length ? '' : `, only ${r.deepPagesReached} pages`}) ` +
            `count p50=${ms(pct(r.count, 50))} p99=${ms(pct(r.count, 99))} (n=${r.count.length})${r.errors ? ` errors=${r.errors}` : ''}` +
            (quiet.has(r.index) ? ` | quiet 1 client: first p50=${ms(pct(quiet.get(r.index)!.first, 50))} count p50=${ms(pct(quiet.get(r.index)!.count, 50))}` : ''),
        );
      }
    } finally {
      clearInterval(sampler);
    }
    const bgResult = await bg.stop();
    const used = process.cpuUsage(benchCpu);
    const benchShare = (used.user + used.system) / 1000 / (performance.now() - benchWall);
    if (client instanceof HttpPoster) client.close();
    const hwm = rssReport('VmHWM');
    const restart = await restartTimes(deployment, api, botId);

    const all = (key: 'first' | 'deep' | 'count') => results.flatMap((r) => r[key]).sort((a, b) => a - b);
    const first = all('first');
    const deep = all('deep');
    const count = all('count');
    const worst = (key: 'first' | 'count', p: number) => Math.max(...results.map((r) => pct(r[key], p)).filter(Number.isFinite));
    const s = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)}s` : 'n/a');
    console.log(
      `bench/search users=${USERS} mode=${MODE} clients=${CLIENTS} shapes=${results.length} ` +
        `p50=${ms(pct(first, 50))} p99=${ms(pct(first, 99))} (worst shape p50=${ms(worst('first', 50))} p99=${ms(worst('first', 99))}) ` +
        `page${PAGES} p50=${ms(pct(deep, 50))} p99=${ms(pct(deep, 99))} ` +
        `count p50=${ms(pct(count, 50))} p99=${ms(pct(count, 99))} (worst shape p99=${ms(worst('count', 99))}) ` +
        `rss=${mib(afterLoad[0]?.kib ?? NaN)} peak-rss=${mib(Math.max(peakRss, hwm[0]?.kib ?? 0))} ` +
        `restart-to-first-answer=${s(restart.firstAnswer)} restart-to-full-count=${s(restart.complete)} restart-to-fast-answers=${s(restart.fastAt)} rss-after-restart=${mib(restart.rss[0]?.kib ?? NaN)} ` +
        `load=${loaded.events}events/${loaded.seconds.toFixed(0)}s(${Math.round(loaded.e2eRate)}/s) background=${Math.round(bgResult.rate)}ev/s${bgResult.failures || bgResult.skipped ? ` (${bgResult.failures} failed posts, ${bgResult.skipped} ticks skipped with 10 in flight)` : ''} ` +
        `client=${CLIENT} (the bench's own CPU over the query phases: ${Math.round(benchShare * 100)} % of a core) (${conditions})`,
    );
    console.log(
      `restart detail: old process gone ${s(restart.oldGoneAt)}, ready ${s(restart.readyAt)}, first search answer ${s(restart.firstAnswer)} (count then ${restart.firstCount}), count = ${USERS} at ${s(restart.complete)}` +
        (MODE === 'distributed' ? `; RSS per process after load: ${afterLoad.map((p) => `${p.label}=${mib(p.kib)}`).join(' ')}` : ''),
    );
  } finally {
    await deployment.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
