/**
 * bench/readstore — the embedded read store alone (the store's share of targets.md T2 and T5).
 *
 *   node dist/bench/readstore.js [--sizes 100000,1000000] [--runs 3] [--baseline-runs 1] [--shapes 1,2,13] [--baseline 1|0]
 *
 * For each size: builds that many synthetic user-list documents of ONE bot (the distribution of bench/search: 50
 * Zipf-like tags, four custom fields, sequences, OTN topics, 8 % unsubscribed, 60 % with an e-mail; in addition 3 %
 * of users interacted within the last week, as bench/search's background ingestion makes them) through the
 * segmentation domain's own `withWalkKeys` and through JSON (the projection's documents come from decoded events, so
 * their strings are fresh), upserts them into an `EmbeddedCollection`, then per query shape (the 20
 * shapes of bench/search, compiled by the segmentation domain's `parseFilter` + `compileFilter` into store filters,
 * plus the walk's "movers" query) times, as the median of `runs`:
 *   first page (limit 50, the shape's sort; also as search.service.ts asks for it: two finds, see `servicePage`) ·
 *   20th page (cursors followed, the last page timed) · exact count
 *   (`explainCount`, synchronous; then once through the port's `count()`, with the longest turn it held the loop),
 * first without indexes (the plain scan every query made before, `baseline-runs` times; `--baseline 0` skips it),
 * then after declaring
 * the user list's indexes (USER_LIST_INDEXES, one per custom field, and [botId, sortStamp]).
 * Memory: heap bytes per document for the documents and for all indexes (after a forced GC). Also times index
 * builds (over 50,000 documents in the background: timed until all are built, with the longest event-loop stall),
 * a `load()` rebuild (snapshot restore), and 20,000 interaction updates with and without indexes.
 * `--load N` first asks every shape under load (see `underLoad`); `--quiet 0` skips the measurements above.
 * `--data <dir>`: instead of synthetic documents, the user list kept by a bench/search `--data` directory (its
 * snapshot and key file copied to a temporary directory first and opened with the directory's master key; the
 * directory is never written), its size in place of `--sizes`, its bot, the clock at the real time (its users' times
 * are relative to when they were loaded). `--columns 0`: collections without sort columns (as
 * ROSTER_READSTORE_SORT_COLUMNS=off). `--age N`: before anything is measured, N interactions on random users (their
 * `lastInteractionAt` set anywhere in the last 30 days, as weeks of background ingestion leave a user list: most users
 * recently active; a fresh load has only its newest subscribers so); the pages' snapshot is taken after them.
 * Prints one line per shape and size, and one summary line; with `SHOW=1` in the environment also each run's count
 * time and what answered it (the first count of a shape makes the bits that later ones copy: a one-off), and under
 * load how the pages and counts were answered (strategies, median work).
 * With `PROFILE=<file.cpuprofile>` the queries (under load and quiet, not the build) are CPU-profiled (100 µs
 * samples) into that file; `node dist/bench/profile-top.js <file>` tells where the time went. With
 * `HEAP_PROFILE=<file.heapprofile>` the same span's allocations are sampled (including what scavenges freed) and the
 * functions that allocated most are printed.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Doc, DocFilter, FindQuery, IndexSpec } from '../libs/readstore/src';
import { DEFAULT_COLLECTION_SETTINGS, EmbeddedCollection, type CollectionSettings } from '../libs/readstore/src/embedded/embedded-collection';
import { EmbeddedReadStore } from '../libs/readstore/src/embedded/embedded-read-store';
import { loadMasterKey } from '../libs/privacy/src';
import { READ_MODEL_VERSION, READSTORE_SNAPSHOT_FILE, readStoreSnapshotWrappingKey } from '../libs/platform/src/runtime';
import type { QueryStats } from '../libs/readstore/src/embedded/executor';
import { compileFilter, parseFilter, type FieldTypes } from '../services/segmentation/src/domain/filter';
import { padPosition, withWalkKeys } from '../services/segmentation/src/domain/search-keys';
import type { UserListDoc } from '../services/segmentation/src/domain/user-list-doc';
import { frameLabel, type CallFrame } from './support/frames';
import { fieldIndex } from '../services/segmentation/src/field-definitions.projection';
import { USER_LIST_INDEXES } from '../services/segmentation/src/user-list.projection';
import { FIRST, LANGS, LAST, PLANS, prng, sampler, SHAPES, TAG_WEIGHTS } from './support/search-shapes';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SIZES = (args.get('sizes') ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(args.get('runs') ?? 3);
const ONLY = args.get('shapes')?.split(',').map(Number);
const BASELINE = args.get('baseline') !== '0';
const BASELINE_RUNS = Number(args.get('baseline-runs') ?? 1);
const LOAD = Number(args.get('load') ?? 0);
const LOAD_SECONDS = Number(args.get('load-seconds') ?? 2);
/** `--quiet 0`: skip the per-shape measurements without load (and the update rates and the rebuild). */
const QUIET = args.get('quiet') !== '0';
const DATA = args.get('data');
/** Interactions applied to random users before any measurement (`--age`). */
const AGE = Number(args.get('age') ?? 0);
const SETTINGS: CollectionSettings = { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: args.get('columns') !== '0' };
const BOT: string = DATA ? (JSON.parse(readFileSync(join(DATA, 'bench-search.json'), 'utf8')) as { botId: string }).botId : 'bot-bench';
const DAY = 86_400_000;
const NOW = DATA ? Date.now() : Date.UTC(2026, 10, 25, 12, 0, 0);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const rand = prng(20261125);
const { pick, weighted } = sampler(rand);

const FIELD_TYPES: FieldTypes = { score: 'number', plan: 'text', last_order: 'date', vip: 'boolean' };
const iso = (t: number) => new Date(t).toISOString();

function userDoc(i: number): UserListDoc {
  const base = NOW - 7 * DAY - Math.floor(rand() * 358 * DAY);
  const [language, locale, timezone] = weighted(LANGS.map((l) => [l, l[3]] as const));
  const firstName = pick(FIRST);
  const lastName = pick(LAST);
  const g = rand();
  const email = rand() < 0.6 ? `${firstName.toLowerCase()}.${i}@${rand() < 0.3 ? 'example.com' : 'mail.test'}` : null;
  const tagCount = weighted([[0, 25], [1, 25], [2, 20], [3, 15], [4, 10], [5, 5]] as const);
  const tags = new Set<string>();
  while (tags.size < tagCount) tags.add(weighted(TAG_WEIGHTS));
  const fields: Record<string, string | number | boolean> = {
    score: Math.floor(rand() * 1000) / 10,
    plan: weighted(PLANS.map(([p, w]) => [p, w] as const)),
    last_order: iso(base + Math.floor(rand() * (NOW - base))).slice(0, 10),
  };
  if (rand() < 0.05) fields.vip = true;
  const sequences = rand() < 0.25 ? [`seq-${Math.floor(rand() * 5)}`] : [];
  const otnTopics = rand() < 0.15 ? [`otn-${Math.floor(rand() * 3)}`] : [];
  const unsubscribed = rand() < 0.08;
  const recent = rand() < 0.03;
  return {
    id: `user-${String(i).padStart(8, '0')}-${Math.floor(rand() * 1e9).toString(36)}`,
    botId: BOT,
    channel: 'messenger',
    channelUserId: `psid-${i}`,
    name: `${firstName} ${lastName}`,
    firstName,
    lastName,
    gender: g < 0.45 ? 'female' : g < 0.9 ? 'male' : null,
    language,
    locale,
    timezone,
    profilePicUrl: null,
    status: unsubscribed ? 'unsubscribed' : 'subscribed',
    subscribedAt: iso(base),
    lastInteractionAt: iso(recent ? NOW - Math.floor(rand() * 7 * DAY) : base + Math.floor(rand() * 600_000)),
    tags: [...tags],
    fields,
    fullName: null,
    phone: null,
    email,
    createdAt: iso(base),
    sequences,
    otnTopics,
    fieldTypes: Object.fromEntries(Object.keys(fields).map((k) => [k, FIELD_TYPES[k]!])) as UserListDoc['fieldTypes'],
  };
}

// ---- query shapes: bench/search's, compiled as the search service compiles them ----------------------------------
const SORT_FIELDS = { lastInteractionAt: 'lastInteractionAt', subscribedAt: 'sortSubscribedAt', name: 'sortName' } as const;

interface Query {
  readonly name: string;
  readonly filter: DocFilter;
  readonly sort: FindQuery['sort'];
}

const byBot: DocFilter = { field: 'botId', op: 'eq', value: BOT };

/** A shape compiled as the search service compiles it at time `now` (relative durations evaluated then). */
function compiled(shape: (typeof SHAPES)[number], now: number): Query {
  const parsed = parseFilter(shape.filter, FIELD_TYPES, 'filter');
  if (!parsed.ok) throw new Error(`shape ${shape.name}: ${JSON.stringify(parsed.errors)}`);
  const filter: DocFilter = { and: [byBot, compileFilter(parsed.filter, FIELD_TYPES, new Date(now))] };
  return { name: shape.name, filter, sort: { field: SORT_FIELDS[shape.sort.by], order: shape.sort.order } };
}

function queries(snapshot: string): Query[] {
  const shapes = SHAPES.map((shape) => compiled(shape, NOW));
  // search.service's second query of each page: users whose sort key moved since the walk began (few).
  const movers: Query = {
    name: 'movers (sortStamp gt S)',
    filter: { and: [byBot, { field: 'sortStamp', op: 'gt', value: snapshot }, { field: 'createdPos', op: 'lte', value: snapshot }] },
    sort: undefined,
  };
  return [...shapes, movers];
}

const INDEXES: IndexSpec[] = [
  ...USER_LIST_INDEXES,
  // As FieldDefinitionsProjection declares them (a text field is matched on its lower-cased copy).
  ...Object.entries(FIELD_TYPES).map(([key, type]) => fieldIndex(key, type)),
  { name: 'bot_sortStamp', fields: [['botId', 1], ['sortStamp', 1]] },
];

// ---- measuring ---------------------------------------------------------------------------------------------------
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (ms: number) => (Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function time(action: () => void): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

interface Timing {
  first: number;
  /** The first page as search.service.ts asks for it: the unchanged users' walk, then the movers (two finds). */
  service: number;
  deep: number;
  count: number;
  plan: string;
  matches: number;
  /** Documents examined (predicate evaluated) plus index keys counted, for the first page and the count. */
  work: string;
}

/**
 * A page as search.service.ts asks for it at snapshot position `snapshot` (the first, or the one after `after`): the
 * users whose sort key has not moved since (`sortStamp ≤ S`, walked in the page's order, limit + 1), then those that
 * moved during the walk (`sortStamp > S`, created by then), within the window from the cursor's key to the page's
 * last. Both finds, one after the other; `next`: the keyset of the page's last unchanged user (the service also
 * merges the movers in; a walk here follows the unchanged ones).
 */
function servicePage(
  users: EmbeddedCollection<Doc>,
  query: Query,
  snapshot: string,
  after?: { value: string; id: string },
): { unchanged: QueryStats; moved: QueryStats; next?: { value: string; id: string } } {
  const sort = query.sort ?? { field: 'lastInteractionAt', order: 'desc' as const };
  const desc = sort.order === 'desc';
  const first = users.explainFind({ filter: { and: [query.filter, { field: 'sortStamp', op: 'lte', value: snapshot }] }, sort, limit: 51, ...(after ? { after } : {}) });
  const reach = first.page.items.length > 50 ? first.page.items[49] : undefined;
  const earlier = `sortMoves.${sort.field}`;
  const window: DocFilter[] = [];
  if (after) window.push({ field: earlier, op: desc ? 'lte' : 'gte', value: after.value });
  if (reach) window.push({ field: earlier, op: desc ? 'gte' : 'lte', value: String(reach[sort.field]) });
  const moved = users.explainFind({
    filter: { and: [query.filter, { field: 'sortStamp', op: 'gt', value: snapshot }, { field: 'createdPos', op: 'lte', value: snapshot }, ...window] },
    limit: 100_000,
  });
  return { unchanged: first.stats, moved: moved.stats, ...(reach ? { next: { value: String(reach[sort.field]), id: reach.id } } : {}) };
}

function measure(users: EmbeddedCollection<Doc>, query: Query, snapshot: string, runs = RUNS): Timing {
  const firsts: number[] = [];
  const services: number[] = [];
  const deeps: number[] = [];
  const counts: number[] = [];
  let plan = '';
  let matches = 0;
  let work = '';
  let service = '';
  for (let run = 0; run < runs; run++) {
    let firstStats: QueryStats | undefined;
    let serviceStats: ReturnType<typeof servicePage> | undefined;
    services.push(time(() => (serviceStats = servicePage(users, query, snapshot))));
    let countStats: QueryStats | undefined;
    firsts.push(time(() => (firstStats = users.explainFind({ filter: query.filter, sort: query.sort, limit: 50 }).stats)));
    let cursor: string | undefined;
    for (let page = 1; page < 20; page++) {
      cursor = users.explainFind({ filter: query.filter, sort: query.sort, limit: 50, cursor }).page.nextCursor ?? undefined;
      if (!cursor) break;
    }
    deeps.push(cursor ? time(() => users.explainFind({ filter: query.filter, sort: query.sort, limit: 50, cursor })) : Number.NaN);
    counts.push(time(() => ({ count: matches, stats: countStats } = users.explainCount(query.filter))));
    plan = firstStats!.strategy;
    work = `${firstStats!.examined}+${firstStats!.measured} / ${countStats!.examined}+${countStats!.measured}`;
    if (process.env.SHOW) console.log(`run ${run}: count ${counts[counts.length - 1]!.toFixed(1)} ms, ${countStats!.source}`);
    const { unchanged, moved } = serviceStats!;
    service = `${unchanged.strategy} ${unchanged.examined}+${unchanged.measured}, movers ${moved.strategy} ${moved.examined}+${moved.measured}`;
  }
  return { first: median(firsts), service: median(services), deep: median(deeps), count: median(counts), plan, matches, work: `${work}; service page: ${service}` };
}

/**
 * `count()` through the port, as a search request makes it: its wall time and the longest stretch it held the event
 * loop (gaps between the turns of a `setImmediate` ticker running beside it).
 */
async function countTurns(users: EmbeddedCollection<Doc>, filter: DocFilter): Promise<{ wallMs: number; longestMs: number }> {
  let longestMs = 0;
  let last = performance.now();
  let done = false;
  const tick = () => {
    const now = performance.now();
    longestMs = Math.max(longestMs, now - last);
    last = now;
    if (!done) setImmediate(tick);
  };
  const started = performance.now();
  setImmediate(tick);
  last = performance.now();
  await users.count(filter);
  longestMs = Math.max(longestMs, performance.now() - last);
  done = true;
  return { wallMs: performance.now() - started, longestMs };
}

/** 20,000 interactions on random users through the port (get, then upsert of the next walk-keyed document). */
async function interactions(users: EmbeddedCollection<Doc>, docs: number, from: bigint): Promise<{ perSecond: number; next: bigint }> {
  let position = from;
  const updates = 20_000;
  const started = performance.now();
  for (let i = 0; i < updates; i++) position = await update(users, docs, position, (current) => ({ ...current, lastInteractionAt: iso(NOW - Math.floor(rand() * DAY)) }));
  return { perSecond: Math.round(updates / ((performance.now() - started) / 1000)), next: position };
}

/** Upserts a random user's next document (`edit` of the current one, walk keys kept) at the next position. */
async function update(users: EmbeddedCollection<Doc>, docs: number, position: bigint, edit: (current: UserListDoc) => UserListDoc): Promise<bigint> {
  const current = (await users.get(idAt(Math.floor(rand() * docs)))) as unknown as Parameters<typeof withWalkKeys>[0] & UserListDoc;
  await users.upsert(withWalkKeys(current, edit(current), position + 1n) as unknown as Doc, position + 1n);
  return position + 1n;
}

/** One change as bench/search's background ingestion makes it: an interaction now (most), a tag added, a new score. */
function change(current: UserListDoc, now: number): UserListDoc {
  const r = rand();
  if (r < 0.8) return { ...current, lastInteractionAt: iso(now) };
  if (r < 0.9) return { ...current, tags: [...new Set([...current.tags, weighted(TAG_WEIGHTS)])] };
  return { ...current, fields: { ...current.fields, score: Math.floor(rand() * 1000) / 10 } };
}

const largest = (values: number[]) => values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? Number.NaN;

/**
 * `--load N`: the shapes in bench/search's order, each asked for `LOAD_SECONDS` as first pages (as the service asks
 * them: two finds at the latest position), then as exact counts, then as walks of 20 pages (each page as the service
 * asks it, at the walk's first position, so that users changed since are movers), back to back, compiled at a clock
 * that moves with the wall clock, while N changes per second are applied between the requests on this one thread (as
 * the projection shares the segmentation thread with the queries). Prints each shape's service times (p50 / p99; ten
 * clients wait about ten of them), its walks' pages and 20th pages, and the time the changes took.
 */
async function underLoad(users: EmbeddedCollection<Doc>, size: number, from: bigint): Promise<bigint> {
  let position = from;
  const started = performance.now();
  const clock = () => NOW + Math.round(performance.now() - started);
  let applied = 0;
  let changeMs = 0;
  const catchUp = async () => {
    const due = Math.floor(((performance.now() - started) / 1000) * LOAD);
    const t0 = performance.now();
    while (applied < due) {
      position = await update(users, size, position, (current) => change(current, clock()));
      applied++;
    }
    changeMs += performance.now() - t0;
    // A turn of the event loop between requests, as the service has (background work: index builds, sort columns).
    await new Promise((resolve) => setImmediate(resolve));
  };
  const pages: number[] = [];
  const counts: number[] = [];
  const walkPages: number[] = [];
  for (const [i, shape] of SHAPES.entries()) {
    if (ONLY && !ONLY.includes(i + 1)) continue;
    /** `asked`: the median of each figure of the answers' stats, and their strategies by how often they answered. */
    const phase = async (ask: (query: Query) => QueryStats): Promise<{ times: number[]; asked: string }> => {
      const times: number[] = [];
      const stats: QueryStats[] = [];
      const until = performance.now() + LOAD_SECONDS * 1000;
      while (performance.now() < until) {
        const query = compiled(shape, clock());
        times.push(time(() => void stats.push(ask(query))));
        await catchUp();
      }
      const median = (of: (s: QueryStats) => number) => percentile(stats.map(of), 0.5);
      const strategies = new Map<string, number>();
      for (const { strategy, source } of stats) {
        const way = `${strategy} (${source ?? '-'})`;
        strategies.set(way, (strategies.get(way) ?? 0) + 1);
      }
      const ways = [...strategies].sort((a, b) => b[1] - a[1]).map(([way, n]) => `${way} ×${n}`).join(', ');
      return { times, asked: `${ways}; median work ${median((s) => s.examined)}+${median((s) => s.measured)}, decided ${median((s) => s.decided ?? 0)}` };
    };
    const changesBefore = changeMs;
    const { times: page, asked: pageAsked } = await phase((query) => servicePage(users, query, padPosition(position)).unchanged);
    const { times: count, asked: countAsked } = await phase((query) => users.explainCount(query.filter).stats);
    // Walks as the service makes them: the snapshot fixed at the first page, changes applied between pages (so the
    // later pages have movers to place), 20 pages each; every page of every walk timed, and the 20th apart.
    const walked: number[] = [];
    const twentieth: number[] = [];
    for (const until = performance.now() + LOAD_SECONDS * 1000; performance.now() < until; ) {
      const query = compiled(shape, clock());
      const snapshot = padPosition(position);
      let after: { value: string; id: string } | undefined;
      for (let n = 1; n <= 20; n++) {
        const t = time(() => void (after = servicePage(users, query, snapshot, after).next));
        walked.push(t);
        if (n === 20) twentieth.push(t);
        await catchUp();
        if (!after) break;
      }
    }
    for (const t of walked) walkPages.push(t);
    // Not push(...times): a long `--load-seconds` of sub-millisecond counts makes millions of them (a spread that large
    // overflows the stack).
    for (const t of page) pages.push(t);
    for (const t of count) counts.push(t);
    console.log(
      `[${size}] under load ${shape.name.padEnd(38)} first page p50 ${fmt(percentile(page, 0.5))} / p99 ${fmt(percentile(page, 0.99))} / max ${fmt(largest(page))} ms (${page.length}), count p50 ${fmt(percentile(count, 0.5))} / p99 ${fmt(percentile(count, 0.99))} / max ${fmt(largest(count))} ms (${count.length}); walks: pages p50 ${fmt(percentile(walked, 0.5))} / p99 ${fmt(percentile(walked, 0.99))} ms, 20th p50 ${fmt(percentile(twentieth, 0.5))} / max ${fmt(largest(twentieth))} ms (${twentieth.length}); changes took ${fmt(changeMs - changesBefore)} ms${process.env.SHOW ? ` [pages: ${pageAsked} | counts: ${countAsked}]` : ''}`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `[${size}] under load (${LOAD} changes/s, ${applied} applied in ${seconds.toFixed(0)} s, ${fmt(changeMs / Math.max(1, applied))} ms each): first pages p50 ${fmt(percentile(pages, 0.5))} / p99 ${fmt(percentile(pages, 0.99))} ms, counts p50 ${fmt(percentile(counts, 0.5))} / p99 ${fmt(percentile(counts, 0.99))} ms, walk pages p50 ${fmt(percentile(walkPages, 0.5))} / p99 ${fmt(percentile(walkPages, 0.99))} ms`,
  );
  return position;
}

/**
 * `PROFILE=<file>`: a CPU profile of what follows until `stop()` (of the last size, when several are measured).
 * `HEAP_PROFILE=<file>`: a sampling allocation profile of the same span, counting objects the young generation's
 * collections freed too (what the scavenges copy and sweep: where the garbage comes from); the allocating functions
 * with the most bytes are printed at the end, the profile written for DevTools.
 */
async function profiling(): Promise<{ stop: () => Promise<void> }> {
  const file = process.env.PROFILE;
  const heapFile = process.env.HEAP_PROFILE;
  if (!file && !heapFile) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  if (file) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  if (heapFile) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  return {
    stop: async () => {
      if (file) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(file, JSON.stringify(profile));
      }
      if (heapFile) {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        writeFileSync(heapFile, JSON.stringify(profile));
        printAllocations(profile.head);
      }
      session.disconnect();
    },
  };
}

interface HeapNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

/** The functions that allocated the most (self bytes sampled), with the share of all. */
function printAllocations(head: HeapNode): void {
  const bySite = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const site = frameLabel(node.callFrame) || '(root)';
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(visit);
  };
  visit(head);
  console.log(`allocations sampled: ${(total / 2 ** 20).toFixed(0)} MiB`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${(bytes / 2 ** 20).toFixed(0).padStart(6)} MiB  ${site}`);
  }
}

let ids: string[] = [];
const idAt = (i: number) => ids[i]!;

/**
 * The user list a bench/search `--data` directory keeps: its snapshot and key file copied aside (a running deployment
 * may replace them; opening a snapshot that cannot be read deletes it), opened with the directory's master key, never
 * written back. The documents with their positions, in seq order.
 */
async function keptUsers(dir: string): Promise<{ docs: Doc[]; positions: bigint[] }> {
  const copy = mkdtempSync(join(tmpdir(), 'bench-readstore-'));
  try {
    for (const name of readdirSync(dir)) if (name.startsWith(READSTORE_SNAPSHOT_FILE)) copyFileSync(join(dir, name), join(copy, name));
    const store = await EmbeddedReadStore.open({
      file: join(copy, READSTORE_SNAPSHOT_FILE),
      wrappingKey: readStoreSnapshotWrappingKey(await loadMasterKey({ dataDir: dir })),
      intervalMs: 0,
      readModelVersion: READ_MODEL_VERSION,
    });
    const { docs, positions } = (store.collection('users') as unknown as EmbeddedCollection<Doc>).dump();
    if (docs.length === 0) throw new Error(`${dir} holds no user list snapshot this build can read`);
    return { docs: [...docs], positions: [...positions] };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function benchSize(size: number) {
  const heapBefore = heap();
  const users = new EmbeddedCollection<Doc>('users', SETTINGS);
  const kept = DATA ? await keptUsers(DATA) : undefined;
  if (kept) size = kept.docs.length;
  ids = new Array<string>(size);
  let position = 0n;
  const loadMs = time(() => {
    for (let i = 0; i < size; i++) {
      if (kept) {
        const doc = kept.docs[i]!;
        position = kept.positions[i]! > position ? kept.positions[i]! : position;
        ids[i] = doc.id;
        void users.upsert(doc, kept.positions[i]!);
        continue;
      }
      position++;
      // Through JSON, as the projection's documents are made from events decoded from the store: fresh strings.
      const doc = JSON.parse(JSON.stringify(withWalkKeys(undefined, userDoc(i), position))) as Doc;
      ids[i] = doc.id;
      void users.upsert(doc, position);
    }
  });
  const heapDocs = heap();
  console.log(`[${size}] ${size} documents upserted in ${(loadMs / 1000).toFixed(1)} s; heap ${mb(heapDocs - heapBefore)} (${Math.round((heapDocs - heapBefore) / size)} B/doc)`);
  if (AGE > 0) {
    const started = performance.now();
    for (let i = 0; i < AGE; i++) position = await update(users, size, position, (current) => ({ ...current, lastInteractionAt: iso(NOW - Math.floor(rand() * 30 * DAY)) }));
    console.log(`[${size}] aged: ${AGE} interactions within the last 30 days in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const snapshot = padPosition(position - BigInt(Math.floor(size / 1000)));
  const all = queries(snapshot).filter((_, i) => !ONLY || ONLY.includes(i + 1));

  const before = new Map<string, Timing>();
  let updatesBefore = Number.NaN;
  if (BASELINE) {
    for (const query of all) before.set(query.name, measure(users, query, snapshot, BASELINE_RUNS));
    ({ perSecond: updatesBefore, next: position } = await interactions(users, size, position));
  }
  // Over 50,000 documents ensureIndexes builds in the background: timed until every index is built, with the
  // longest turn it held the event loop.
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const buildStarted = performance.now();
  await users.ensureIndexes(INDEXES);
  await (users as { whenIndexesBuilt?: () => Promise<void> }).whenIndexesBuilt?.();
  const buildMs = performance.now() - buildStarted;
  stalls.disable();
  const heapIndexed = heap();
  const indexBytes = (heapIndexed - heapDocs) / size;
  console.log(
    `[${size}] ${INDEXES.length} indexes built in ${(buildMs / 1000).toFixed(1)} s (longest event-loop stall ${(stalls.max / 1e6).toFixed(0)} ms); heap +${mb(heapIndexed - heapDocs)} (${Math.round(indexBytes)} B/doc)`,
  );

  const profile = await profiling();
  if (LOAD > 0) position = await underLoad(users, size, position);
  const rows: string[] = [];
  const ratios: number[] = [];
  for (const query of QUIET ? all : []) {
    const after = measure(users, query, snapshot);
    const turns = await countTurns(users, query.filter);
    const base = before.get(query.name);
    const ratio = base ? base.first / after.first : Number.NaN;
    if (base) ratios.push(ratio);
    const baseText = base ? ` | before ${fmt(base.first)} / ${fmt(base.deep)} / ${fmt(base.count)} ms (×${ratio.toFixed(0)} first page)` : '';
    rows.push(
      `[${size}] ${query.name.padEnd(38)} ${String(after.matches).padStart(8)} matches | first ${fmt(after.first)} ms (as the service asks it ${fmt(after.service)} ms), 20th ${fmt(after.deep)} ms, count ${fmt(after.count)} ms (through the port ${fmt(turns.wallMs)} ms, longest turn ${fmt(turns.longestMs)} ms) [${after.plan}; work ${after.work}]${baseText}`,
    );
    console.log(rows[rows.length - 1]);
  }
  await profile.stop();
  if (!QUIET) return { size, docBytes: (heapDocs - heapBefore) / size, indexBytes, ratios, buildMs, rebuildMs: Number.NaN, updatesAfter: Number.NaN, updatesBefore };
  const { perSecond: updatesAfter } = await interactions(users, size, position);
  const dump = users.dump();
  const restored = new EmbeddedCollection<Doc>('restored');
  await restored.ensureIndexes(INDEXES);
  const rebuildMs = time(() => restored.load(dump));
  console.log(`[${size}] interaction updates: ${updatesAfter}/s with indexes (${Number.isNaN(updatesBefore) ? '-' : updatesBefore}/s without); load() with index rebuild ${(rebuildMs / 1000).toFixed(1)} s`);
  return { size, docBytes: (heapDocs - heapBefore) / size, indexBytes, ratios, buildMs, rebuildMs, updatesAfter, updatesBefore };
}

async function main() {
  console.log(`bench/readstore: ${cpus().length} cores, ${mb(totalmem())}, Node ${process.version}, medians of ${RUNS} runs (baseline: ${BASELINE_RUNS}), load average ${loadavg()[0]!.toFixed(1)}, embedded store in this process`);
  const results = [];
  for (const size of DATA ? [0] : SIZES) results.push(await benchSize(size));
  const summary = results
    .map((r) => {
      const ratios = r.ratios.length ? ` first-page speed-up median ×${median(r.ratios).toFixed(0)} (min ×${Math.min(...r.ratios).toFixed(1)})` : '';
      return `${r.size}: docs ${Math.round(r.docBytes)} B/doc, indexes ${Math.round(r.indexBytes)} B/doc, build ${(r.buildMs / 1000).toFixed(1)} s, load ${(r.rebuildMs / 1000).toFixed(1)} s, updates ${r.updatesAfter}/s${ratios}`;
    })
    .join(' · ');
  console.log(`SUMMARY bench/readstore ${summary} (load average at the end ${loadavg()[0]!.toFixed(1)})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
