/**
 * bench/background — what bench/search's background ingestion costs on its own: CPU per event, per thread.
 *
 *   node dist/bench/background.js --data <dir> [--seconds 60] [--rate 1000] [--node-args "--cpu-prof …"]
 *
 * Starts the embedded deployment on a data directory bench/search has loaded (`--data`, its `bench-search.json` keys),
 * waits until the process is idle (under a tenth of a core over 5 s: the indexes adopted), then posts bench/search's
 * background traffic — `rate / 10` events every 100 ms on random users of the loaded ones (interactions, one in ten a
 * tag, one in ten a score) — for `seconds`, waits 3 s for the pipeline to drain, and prints each thread's CPU over
 * that window (user + system, `/proc/<pid>/task/<tid>/stat`) as µs per accepted event, and the total. Threads are
 * named only by their ids (Node names none of them): the three busiest are the worker threads (segmentation,
 * user-profile, ingestion in the order they start, so ascending ids), the main thread's id is the process id; the
 * rest are V8's and libuv's helpers. Queries are not asked: this is the background T2 is measured under, alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../e2e/support/deployment';
import { HttpPoster } from './support/http-poster';
import { prng } from './support/search-shapes';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const DATA = args.get('data');
const SECONDS = Number(args.get('seconds') ?? 60);
const RATE = Number(args.get('rate') ?? 1000);
const NODE_ARGS = args.get('node-args');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** CPU seconds per thread of a process (clock ticks of 1/100 s). */
function threadCpu(pid: number): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      seconds.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return seconds;
}

const total = (cpu: Map<number, number>) => [...cpu.values()].reduce((a, b) => a + b, 0);

function rosterPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('all-in-one/src/main.js')) return Number(entry);
    } catch {
      // A process that ended meanwhile.
    }
  }
  throw new Error('no Roster process found');
}

async function main() {
  if (!DATA) throw new Error('--data <dir> is required: a directory bench/search has loaded');
  const kept = JSON.parse(readFileSync(join(DATA, 'bench-search.json'), 'utf8')) as { adminKey: string; botId: string; botKey: string; users: number };
  const env: NodeJS.ProcessEnv = { ROSTER_BODY_LIMIT: String(16 * 1024 * 1024), ...(NODE_ARGS ? { BENCH_NODE_ARGS: NODE_ARGS } : {}) };
  const deployment = await startEmbedded(env, { dataDir: DATA, adminKey: kept.adminKey });
  try {
    const pid = rosterPid();
    log(`bench/background: ${kept.users} users, ${RATE} events/s for ${SECONDS} s (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, embedded, SQLite synchronous=${process.env.ROSTER_SQLITE_SYNCHRONOUS ?? 'NORMAL'})`);
    for (let last = total(threadCpu(pid)); ; ) {
      await sleep(5000);
      const now = total(threadCpu(pid));
      const share = (now - last) / 5;
      last = now;
      if (share < 0.1) break;
    }
    log('idle; posting');
    const client = new HttpPoster(deployment.baseUrl, kept.botKey);
    const rand = prng(Date.now() % 2 ** 31);
    const run = `bg${Date.now()}`;
    const perTick = Math.round(RATE / 10);
    let accepted = 0;
    let failures = 0;
    let inFlight = 0;
    let tick = 0;
    const before = threadCpu(pid);
    const started = performance.now();
    const timer = setInterval(() => {
      if (inFlight >= 10) return;
      const occurredAt = new Date().toISOString();
      const t = tick++;
      const events = Array.from({ length: perTick }, (_, j) => {
        const base = { eventId: `${run}-${t}-${j}`, channel: 'messenger', channelUserId: `u${Math.floor(rand() * kept.users)}`, occurredAt };
        const r = rand();
        if (r < 0.1) return { ...base, type: 'tag.added', tag: `tag-0${Math.floor(rand() * 10)}` };
        if (r < 0.2) return { ...base, type: 'field.set', key: 'score', value: Math.floor(rand() * 1000) / 10 };
        return { ...base, type: 'message.received' };
      });
      inFlight++;
      client
        .post(`/v1/bots/${kept.botId}/events`, { events })
        .then(
          (res) => void (res.status === 202 ? (accepted += res.json.accepted as number) : failures++),
          () => void failures++,
        )
        .finally(() => inFlight--);
    }, 100);
    await sleep(SECONDS * 1000);
    clearInterval(timer);
    while (inFlight > 0) await sleep(50);
    await sleep(3000); // the pipeline drains: the events posted last reach user-profile and the list
    const after = threadCpu(pid);
    const seconds = (performance.now() - started) / 1000;
    const perEvent = (cpu: number) => `${((cpu / accepted) * 1e6).toFixed(0)} µs/event`;
    log(`${accepted} events accepted in ${seconds.toFixed(1)} s (${(accepted / seconds).toFixed(0)}/s), ${failures} failed posts`);
    const used = [...after].map(([tid, cpu]) => [tid, cpu - (before.get(tid) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
    for (const [tid, cpu] of used) {
      if (cpu >= 0.05) log(`thread ${tid}${tid === pid ? ' (main)' : ''}: ${cpu.toFixed(2)} s, ${((cpu / seconds) * 100).toFixed(1)} % of a core, ${perEvent(cpu)}`);
    }
    const sum = used.reduce((a, [, cpu]) => a + cpu, 0);
    console.log(`bench/background events=${accepted} rate=${(accepted / seconds).toFixed(0)}/s cpu=${perEvent(sum)} (${((sum / seconds) * 100).toFixed(1)} % of a core)`);
  } finally {
    await deployment.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
