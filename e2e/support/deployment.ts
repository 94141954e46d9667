import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The repository root (this file runs from e2e/ under Jest and from dist/e2e/ in bench/). */
function repoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  throw new Error('package.json not found above ' + from);
}
const ROOT = repoRoot(__dirname);
const DIST = join(ROOT, 'dist', 'services');
export const E2E_BODY_LIMIT = 256 * 1024;
export const SERVICES = ['gateway', 'ingestion', 'user-profile', 'segmentation', 'import', 'compliance'] as const;

/** A running Roster (embedded: one process; distributed: six) that a test talks to over HTTP. */
export interface Deployment {
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly dataDir: string;
  /** Distributed only: the ROSTER_NAMESPACE of this deployment's subjects and streams. */
  readonly namespace?: string;
  /** Stops every process (SIGTERM) and starts them again on the same data. */
  restart(): Promise<void>;
  /** Distributed only: kill one service hard, then start it again. */
  kill?(service: (typeof SERVICES)[number]): Promise<void>;
  start?(service: (typeof SERVICES)[number]): Promise<void>;
  /** Embedded only: kill the process hard (SIGKILL: no graceful stop, no last snapshot) and start it again. */
  crash?(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts one Roster process. `BENCH_NODE_ARGS` in its environment adds Node flags to it alone (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof`, which NODE_OPTIONS does not allow; the profile is written at a graceful stop).
 * `BENCH_SERVER_LOG=<file>` appends everything the process prints to that file as well (e.g. with `--trace-gc` in
 * BENCH_NODE_ARGS: every isolate's collections, to line up with a bench's slow requests).
 */
function startProcess(script: string, env: NodeJS.ProcessEnv, label: string, logs: string[]): ChildProcess {
  const nodeArgs = (env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = env.BENCH_SERVER_LOG ? createWriteStream(env.BENCH_SERVER_LOG, { flags: 'a' }) : undefined;
  const keep = (chunk: Buffer) => {
    file?.write(chunk);
    logs.push(`[${label}] ${chunk.toString()}`);
    if (logs.length > 400) logs.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => file?.end());
  return child;
}

function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

async function waitReady(baseUrl: string, logs: string[], timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/health/ready`);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Roster did not become ready at ${baseUrl}: ${last}\n${logs.slice(-40).join('')}`);
}

function baseEnv(dataDir: string, port: number, adminKey: string): NodeJS.ProcessEnv {
  // A small body limit lets the 413 test send a just-too-large body that fits in socket buffers (no EPIPE race).
  return { ...process.env, ROSTER_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ROSTER_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn', ROSTER_BODY_LIMIT: String(E2E_BODY_LIMIT) };
}

/** A data directory to keep (bench/search loads a million users once and queries them in later runs). */
export interface KeptData {
  readonly dataDir: string;
  readonly adminKey: string;
}

export async function startEmbedded(extraEnv: NodeJS.ProcessEnv = {}, kept?: KeptData): Promise<Deployment> {
  if (kept) mkdirSync(kept.dataDir, { recursive: true });
  const dataDir = kept?.dataDir ?? mkdtempSync(join(tmpdir(), 'roster-e2e-embedded-'));
  const port = await freePort();
  const adminKey = kept?.adminKey ?? randomBytes(24).toString('base64url');
  const baseUrl = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const env = { ...baseEnv(dataDir, port, adminKey), ...extraEnv };
  const script = join(DIST, 'all-in-one', 'src', 'main.js');
  // A kept directory may hold a million users: their first start can take minutes, not seconds.
  const readyWithin = kept ? 15 * 60_000 : undefined;
  // A graceful stop writes the read store's last snapshot: 10–20 s at a million users.
  const graceMs = kept ? 120_000 : undefined;
  let child = startProcess(script, env, 'roster', logs);
  await waitReady(baseUrl, logs, readyWithin);
  return {
    baseUrl,
    adminKey,
    dataDir,
    async restart() {
      await stopProcess(child, 'SIGTERM', graceMs);
      child = startProcess(script, env, 'roster', logs);
      await waitReady(baseUrl, logs, readyWithin);
    },
    async crash() {
      await stopProcess(child, 'SIGKILL');
      child = startProcess(script, env, 'roster', logs);
      await waitReady(baseUrl, logs, readyWithin);
    },
    async stop() {
      await stopProcess(child, 'SIGTERM', graceMs);
      if (!kept) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Six processes over the local NATS. A fresh namespace per run keeps its JetStream streams and subjects apart from
 * any other Roster on the same server; the streams are deleted at the end.
 */
export async function startDistributed(natsUrl: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-distributed-'));
  const port = await freePort();
  const adminKey = randomBytes(24).toString('base64url');
  const namespace = `e2e${randomBytes(4).toString('hex')}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const env = { ...baseEnv(dataDir, port, adminKey), NATS_URL: natsUrl, ROSTER_NAMESPACE: namespace, ...extraEnv };
  const children = new Map<string, ChildProcess>();
  const start = async (service: (typeof SERVICES)[number]) => {
    children.set(service, startProcess(join(DIST, service, 'src', 'main.js'), env, service, logs));
  };
  const startAll = async () => {
    for (const service of SERVICES) await start(service);
    await waitReady(baseUrl, logs);
  };
  await startAll();
  return {
    baseUrl,
    adminKey,
    dataDir,
    namespace,
    async restart() {
      await Promise.all([...children.values()].map((c) => stopProcess(c)));
      await startAll();
    },
    async kill(service) {
      await stopProcess(children.get(service), 'SIGKILL');
    },
    async start(service) {
      await start(service);
      await waitReady(baseUrl, logs);
    },
    async stop() {
      await Promise.all([...children.values()].map((c) => stopProcess(c)));
      await deleteNamespaceStreams(natsUrl, namespace);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function deleteNamespaceStreams(natsUrl: string, namespace: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const info of jsm.streams.list()) {
      if (info.config.name.toLowerCase().startsWith(`${namespace.toLowerCase()}_`)) await jsm.streams.delete(info.config.name);
    }
  } finally {
    await nc.close();
  }
}
