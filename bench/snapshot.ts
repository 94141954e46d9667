/**
 * bench/snapshot — targets.md T6 (restart) and T5 (memory): the embedded read store's snapshot.
 *
 *   node --expose-gc dist/bench/snapshot.js [--users 100000] [--keep <dir>]
 *
 * 1. Fills an `EmbeddedReadStore` (opened with a snapshot file in a temporary folder) with `users` synthetic
 *    user-list documents (the shape the segmentation projection writes: profile, search copies, sort and walk keys,
 *    tags, four custom fields, sequences) of 10 bots, plus a checkpoint. The user list's indexes are declared before
 *    the fill (kept up to date as documents arrive, as in a running service), so the snapshot holds their order
 *    where the code writes it (since the night of 2026-11-25; format 3, whose orders stay compressed until adopted, since 2026-12-05).
 * 2. `snapshotNow()`: the time to write it, the file size, the process RSS before and its peak while writing (sampled
 *    every 10 ms), and the longest event-loop stall during the write (perf_hooks histogram; it includes the
 *    synchronous cut). Then one more write and `close()`, whose snapshot (the last one) also keeps every index's order:
 *    its time and longest stall (the synchronous cut walks every index key), and the file size with the orders.
 * 3. A fresh child process opens a store on the same file: the time to load it (and the longest event-loop stall
 *    during the load), then to declare the user list's indexes (`USER_LIST_INDEXES`, 14: what the projections do at
 *    start), to answer a first sorted page of one bot (by scan while the indexes are loaded or built in the
 *    background), until every index is usable (loaded from its kept order, or built; the longest event-loop stall
 *    meanwhile), how many were loaded from their order, and the child's RSS before and after. "start → all indexes
 *    usable" is the load plus that wait: when searches get their indexes after a restart.
 * Prints one summary line (plus the conditions: cores, Node version).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { USER_LIST_INDEXES } from '../services/segmentation/src/user-list.projection';
import { EmbeddedReadStore, type Doc, type IndexSpec } from '@roster/readstore';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const USERS = Number(args.get('users') ?? 100_000);
const READ_MODEL_VERSION = 'bench/1';
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)}MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** The user list's indexes, as the projection declares them. */
const INDEXES: readonly IndexSpec[] = USER_LIST_INDEXES;

/** Statistically the same users every run (ids and e-mail addresses are random anyway). */
const rand = Math.random;
const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
const FIRST = ['Anna', 'Bram', 'Chloe', 'Daan', 'Emma', 'Finn', 'Greta', 'Hugo', 'Iris', 'Jan', 'Karin', 'Lars', 'Mila', 'Noah', 'Olga', 'Piet', 'Rosa', 'Sem', 'Tess', 'Vera', 'Carlos', 'Fatima', 'Mohammed', 'Yusuf'];
const LAST = ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Müller', 'Schmidt', 'Dubois', 'Garcia', 'Rossi', 'Smith', 'Kowalski', 'Silva', 'Nielsen', 'Ahmed', 'Yilmaz', 'Wong'];
const TAGS = Array.from({ length: 50 }, (_, i) => `Tag ${i}`);
const YEAR = 365 * 86_400_000;

function userDoc(i: number): Doc {
  const first = pick(FIRST);
  const last = pick(LAST);
  const name = `${first} ${last}`;
  const email = `${first.toLowerCase()}.${randomBytes(4).toString('hex')}@example.com`;
  const phone = `+316${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
  const created = new Date(Date.UTC(2026, 0, 1) - Math.floor(rand() * YEAR)).toISOString();
  const last_ = new Date(Date.parse(created) + Math.floor(rand() * 30 * 86_400_000)).toISOString();
  const tags = [...new Set(Array.from({ length: Math.floor(rand() * 6) }, () => pick(TAGS)))];
  const subscribed = rand() < 0.85;
  const pos = String(i * 7 + 1).padStart(20, '0');
  return {
    id: `${randomBytes(8).toString('hex')}-${i.toString(36)}`,
    botId: `bot-${i % 10}`,
    channel: pick(['messenger', 'whatsapp', 'instagram', 'sms']),
    channelUserId: String(1e15 + i),
    name,
    firstName: first,
    lastName: last,
    fullName: null,
    gender: pick(['female', 'male', null]),
    language: pick(['en', 'nl', 'de', 'fr']),
    locale: pick(['en_GB', 'nl_NL', 'de_DE', 'fr_FR']),
    timezone: pick(['Europe/London', 'Europe/Amsterdam', 'Europe/Berlin']),
    profilePicUrl: null,
    status: subscribed ? 'subscribed' : 'unsubscribed',
    subscribedAt: subscribed ? created : null,
    lastInteractionAt: last_,
    createdAt: created,
    phone,
    email,
    tags,
    fields: { score: Math.floor(rand() * 1000), city: pick(['Amsterdam', 'Berlin', 'Paris', 'London']), vip: rand() < 0.1, birthday: created.slice(0, 10) },
    fieldTypes: { score: 'number', city: 'text', vip: 'boolean', birthday: 'date' },
    sequences: rand() < 0.3 ? [`seq-${Math.floor(rand() * 5)}`] : [],
    otnTopics: rand() < 0.1 ? ['topic-1'] : [],
    search: { email, phone, tags: tags.map((t) => t.toLowerCase()), firstName: first.toLowerCase(), lastName: last.toLowerCase(), name: name.toLowerCase() },
    sortName: name.toLowerCase(),
    sortSubscribedAt: subscribed ? created : '',
    createdPos: pos,
    sortStamp: pos,
    sortMoves: [],
  };
}

function storeOptions(file: string, wrappingKey: Uint8Array) {
  return { file, wrappingKey, intervalMs: 0, readModelVersion: READ_MODEL_VERSION };
}

/** Child: open a store on the file, then declare the indexes; prints JSON. */
async function loadChild(file: string, keyHex: string): Promise<void> {
  gc();
  const rssBefore = process.memoryUsage().rss;
  let started = performance.now();
  const loadStalls = monitorEventLoopDelay({ resolution: 5 });
  loadStalls.enable();
  const store = await EmbeddedReadStore.open(storeOptions(file, Buffer.from(keyHex, 'hex')));
  const loadMs = performance.now() - started;
  loadStalls.disable();
  const users = store.collection('users');
  started = performance.now();
  await users.ensureIndexes(INDEXES);
  const declareMs = performance.now() - started;
  // A first answer as a search would get it (by scan while the indexes build), then until every index is built.
  await users.find({ filter: { field: 'botId', op: 'eq', value: 'bot-1' }, sort: { field: 'lastInteractionAt', order: 'desc' }, limit: 50 });
  const firstAnswerMs = performance.now() - started;
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  await (users as unknown as { whenIndexesBuilt?: () => Promise<void> }).whenIndexesBuilt?.();
  stalls.disable();
  const indexMs = performance.now() - started;
  const count = await users.count();
  const adopted = (users as unknown as { indexAdoptions?: { adopted: number; refused: number } }).indexAdoptions ?? { adopted: 0, refused: 0 };
  const rssAfter = process.memoryUsage().rss;
  gc();
  const stallMs = stalls.max / 1e6;
  const heapAfterGc = process.memoryUsage().heapUsed;
  console.log(
    JSON.stringify({
      loadMs,
      loadStallMs: loadStalls.max / 1e6,
      declareMs,
      firstAnswerMs,
      indexMs,
      stallMs,
      adopted: adopted.adopted,
      refused: adopted.refused,
      count,
      rssBefore,
      rssAfter,
      rssAfterGc: process.memoryUsage().rss,
      heapAfterGc,
      hwm: peakRss(),
    }),
  );
}

/** VmHWM: the process's peak RSS so far (Linux), else the current RSS. */
function peakRss(): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

async function main(): Promise<void> {
  if (args.has('load')) return loadChild(args.get('load')!, process.env.BENCH_SNAPSHOT_KEY!);
  const dir = args.get('keep') ?? mkdtempSync(join(tmpdir(), 'roster-bench-snapshot-'));
  const file = join(dir, 'readstore.snapshot');
  // A given key (hex) lets a kept folder be opened again by hand; by default a random one.
  const wrappingKey = process.env.BENCH_SNAPSHOT_KEY ? Buffer.from(process.env.BENCH_SNAPSHOT_KEY, 'hex') : randomBytes(32);
  try {
    const store = await EmbeddedReadStore.open(storeOptions(file, wrappingKey));
    const users = store.collection('users');
    let started = performance.now();
    await users.ensureIndexes(INDEXES);
    for (let i = 0; i < USERS; i++) await users.upsert(userDoc(i), BigInt(i * 7 + 1));
    await store.collection('checkpoints').upsert({ id: 'segmentation-user-list', position: String(USERS * 7), version: 2 }, BigInt(USERS * 7));
    const fillMs = performance.now() - started;
    gc();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    started = performance.now();
    const stats = await store.snapshotNow();
    const writeMs = performance.now() - started;
    stalls.disable();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const periodicBytes = statSync(file).size;
    await store.collection('checkpoints').upsert({ id: 'segmentation-user-list', position: String(USERS * 7 + 1), version: 2 }, BigInt(USERS * 7 + 1));
    const closeStalls = monitorEventLoopDelay({ resolution: 5 });
    closeStalls.enable();
    started = performance.now();
    await store.close();
    const closeMs = performance.now() - started;
    closeStalls.disable();

    const child = spawnSync(process.execPath, ['--expose-gc', __filename, '--load', file], {
      env: { ...process.env, BENCH_SNAPSHOT_KEY: Buffer.from(wrappingKey).toString('hex') },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`load child failed: ${child.stderr}`);
    const load = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
    if (load.count !== USERS) throw new Error(`loaded ${load.count} users, expected ${USERS}`);
    console.log(
      [
        `snapshot users=${USERS}`,
        `fill=${seconds(fillMs)}`,
        `write=${seconds(writeMs)}`,
        `file=${mib(statSync(file).size)} (${Math.round(statSync(file).size / USERS)} B/user)`,
        `entries=${stats.entries}`,
        `rss before write=${mib(rssBefore)} peak during write=${mib(peak)} (+${mib(peak - rssBefore)})`,
        `longest event-loop stall=${(stalls.max / 1e6).toFixed(0)}ms (p99 ${(stalls.percentile(99) / 1e6).toFixed(0)}ms)`,
        `write at close (with index orders, if this code keeps them)=${seconds(closeMs)}, longest stall ${(closeStalls.max / 1e6).toFixed(0)}ms, file ${mib(periodicBytes)} → ${mib(statSync(file).size)}`,
        `load=${seconds(load.loadMs!)} (longest stall ${load.loadStallMs!.toFixed(0)}ms) + declare ${seconds(load.declareMs!)}, first answer +${seconds(load.firstAnswerMs!)}, all indexes usable +${seconds(load.indexMs!)} (${load.adopted} of ${INDEXES.length} loaded from their order, ${load.refused} refused; longest stall meanwhile ${load.stallMs!.toFixed(0)}ms)`,
        `start → all indexes usable=${seconds(load.loadMs! + load.indexMs!)}`,
        `child rss ${mib(load.rssBefore!)} → ${mib(load.rssAfter!)} (after gc ${mib(load.rssAfterGc!)}, peak ${mib(load.hwm!)}; heap after gc ${mib(load.heapAfterGc!)})`,
        `cores=${cpus().length} node=${process.version}`,
      ].join(' | '),
    );
  } finally {
    if (!args.has('keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
