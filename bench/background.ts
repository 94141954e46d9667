/**
 * bench/background — what bench/search's background ingestion costs on its own: CPU per event, per thread.
 *
 *   node dist/bench/background.js --data <dir> [--seconds 60] [--rate 1000] [--node-args "--cpu-prof …"]
 *
 * Starts the embedded deployment on a data directory bench/search has loaded (`--data`, its `bench-search.json` keys),
 * waits until the process is idle (under a tenth of a core over 5 s: the indexes adopted), then posts bench/search's
 * background traffic (`support/background-load.ts`) for `seconds`, waits 3 s for the pipeline to drain, and prints
 * each thread's CPU over that window (user + system, `/proc/<pid>/task/<tid>/stat`) as µs per accepted event, and the
 * total. Threads are
 * named only by their ids (Node names none of them): the three busiest are the worker threads (segmentation,
 * user-profile, ingestion in the order they start, so ascending ids), the main thread's id is the process id; the
 * rest are V8's and libuv's helpers. Queries are not asked: this is the background T2 is measured under, alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../e2e/support/deployment';
import { backgroundLoad } from './support/background-load';
import { HttpPoster } from './support/http-poster';
import { cpuSecondsOf, rosterProcesses, untilRosterIdle } from './support/roster-processes';
import { prng } from './support/search-shapes';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const DATA = args.get('data');
const SECONDS = Number(args.get('seconds') ?? 60);
const RATE = Number(args.get('rate') ?? 1000);
const NODE_ARGS = args.get('node-args');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** CPU seconds per thread of a process. */
function threadCpu(pid: number): Map<number, number> {
  return new Map(readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), cpuSecondsOf(`/proc/${pid}/task/${tid}/stat`)]));
}

async function main() {
  if (!DATA) throw new Error('--data <dir> is required: a directory bench/search has loaded');
  const kept = JSON.parse(readFileSync(join(DATA, 'bench-search.json'), 'utf8')) as { adminKey: string; botId: string; botKey: string; users: number };
  const env: NodeJS.ProcessEnv = { ROSTER_BODY_LIMIT: String(16 * 1024 * 1024), ...(NODE_ARGS ? { BENCH_NODE_ARGS: NODE_ARGS } : {}) };
  const deployment = await startEmbedded(env, { dataDir: DATA, adminKey: kept.adminKey });
  try {
    const pid = rosterProcesses()[0]?.pid;
    if (pid === undefined) throw new Error('the Roster process is not a child of this one');
    log(`bench/background: ${kept.users} users, ${RATE} events/s for ${SECONDS} s (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, embedded, SQLite synchronous=${process.env.ROSTER_SQLITE_SYNCHRONOUS ?? 'NORMAL'})`);
    await untilRosterIdle('after the start', log);
    const before = threadCpu(pid);
    const started = performance.now();
    const load = backgroundLoad(new HttpPoster(deployment.baseUrl, kept.botKey), kept.botId, `bg${Date.now()}`, { users: kept.users, rate: RATE, rand: prng(Date.now() % 2 ** 31) });
    await sleep(SECONDS * 1000);
    const { sent, failures, skipped } = await load.stop();
    await sleep(3000); // the pipeline drains: the events posted last reach user-profile and the list
    const after = threadCpu(pid);
    const seconds = (performance.now() - started) / 1000;
    const perEvent = (cpu: number) => `${((cpu / sent) * 1e6).toFixed(0)} µs/event`;
    log(`${sent} events accepted in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s), ${failures} failed posts, ${skipped} ticks skipped`);
    const used = [...after].map(([tid, cpu]) => [tid, cpu - (before.get(tid) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
    for (const [tid, cpu] of used) {
      if (cpu >= 0.05) log(`thread ${tid}${tid === pid ? ' (main)' : ''}: ${cpu.toFixed(2)} s, ${((cpu / seconds) * 100).toFixed(1)} % of a core, ${perEvent(cpu)}`);
    }
    const sum = used.reduce((a, [, cpu]) => a + cpu, 0);
    console.log(`bench/background events=${sent} rate=${(sent / seconds).toFixed(0)}/s cpu=${perEvent(sum)} (${((sum / seconds) * 100).toFixed(1)} % of a core)`);
  } finally {
    await deployment.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
