import { resolve } from 'node:path';
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from '@roster/contracts';

/**
 * How far V8 lets a heap grow past what survived its last full collection before collecting again, in percent
 * (ROSTER_HEAP_GROWING_PERCENT; 0 leaves it to V8, whose heuristics let a large heap grow to about twice its live
 * data and more). docs/benchmarks.md (bench/search) has what it does at 1M users.
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 0;

/**
 * The young generation of the worker thread that holds the embedded read store (segmentation), in MiB
 * (ROSTER_READSTORE_YOUNG_GENERATION_MB; 0 leaves it to V8: 48 MiB on this Node). Restoring a snapshot allocates
 * ~40 objects per document; a larger nursery lets more of them be collected or promoted in fewer scavenges. 192 since
 * 2026-12-04 (evening): at 1M users the start on kept data took 22–28 s instead of 38 (T6 asks 30). It was off by
 * default before because the first searches after a start stalled for seconds with it (3 of 4 runs); with the sets'
 * words pooled (`SeqSet.pooled`) 1 of 4. docs/benchmarks.md (bench/search) has both.
 */
export const DEFAULT_READSTORE_YOUNG_GENERATION_MB = 192;

/** Every setting comes from the environment; adapters are chosen by which URLs are set, never by code edits. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  ROSTER_DATA_DIR: z.string().default('./data'),
  NATS_URL: z.string().optional(),
  KURRENTDB_URL: z.string().optional(),
  MONGO_URL: z.string().optional(),
  MONGO_DB: z.string().default('roster'),
  ROSTER_ADMIN_KEY: z.string().min(16, 'ROSTER_ADMIN_KEY must have at least 16 characters').optional(),
  ROSTER_MASTER_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROSTER_BODY_LIMIT: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  ROSTER_RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  ROSTER_SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  ROSTER_PUBLIC_URL: z.url().optional(),
  ROSTER_SNAPSHOT_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(60),
  ROSTER_WORKER_SERVICES: z.string().optional(),
  ROSTER_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(DEFAULT_HEAP_GROWING_PERCENT),
  ROSTER_READSTORE_YOUNG_GENERATION_MB: z.coerce.number().int().min(0).max(1024).default(DEFAULT_READSTORE_YOUNG_GENERATION_MB),
  ROSTER_READSTORE_SORT_COLUMNS: z.enum(['on', 'off'], { message: 'ROSTER_READSTORE_SORT_COLUMNS must be on or off' }).default('on'),
});

/** Where embedded mode runs its services when ROSTER_WORKER_SERVICES is not set (docs/architecture.md says why). */
export const DEFAULT_WORKER_SERVICES = 'segmentation,user-profile,ingestion';

/**
 * `segmentation,user-profile` → two worker threads, one service each; `user-profile+ingestion` → one worker thread
 * running both; empty → every service in the main thread. The gateway serves HTTP and stays in the main thread.
 */
export function parseWorkerServices(value: string): ServiceName[][] {
  const seen = new Set<string>();
  const groups = value
    .split(',')
    .map((group) => group.trim())
    .filter((group) => group.length > 0)
    .map((group) =>
      group.split('+').map((name) => {
        const service = name.trim();
        if (!(SERVICE_NAMES as readonly string[]).includes(service)) throw new ConfigError(`ROSTER_WORKER_SERVICES: unknown service "${service}"`);
        if (service === 'gateway') throw new ConfigError('ROSTER_WORKER_SERVICES: the gateway serves HTTP and runs in the main thread');
        if (seen.has(service)) throw new ConfigError(`ROSTER_WORKER_SERVICES: "${service}" is named twice`);
        seen.add(service);
        return service as ServiceName;
      }),
    );
  return groups;
}

export interface RosterConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly natsUrl?: string;
  readonly kurrentDbUrl?: string;
  readonly mongoUrl?: string;
  readonly mongoDb: string;
  readonly adminKey?: string;
  readonly masterKeyBase64?: string;
  readonly logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  readonly bodyLimit: number;
  readonly rpcTimeoutMs: number;
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  /** The public base URL behind a proxy (Twilio signs the URL it called); derived from the request when unset. */
  readonly publicUrl?: string;
  /**
   * The embedded read store's snapshot (`<data>/readstore.snapshot`, per service in distributed mode without
   * MONGO_URL): written every this many seconds when something changed, and at a graceful stop; loaded at start.
   * 0 turns snapshots off: nothing is written, a snapshot left over is deleted, projections rebuild at every start.
   */
  readonly snapshotIntervalSeconds: number;
  /**
   * Embedded mode: the worker threads and the services each one runs (ROSTER_WORKER_SERVICES, default
   * `segmentation,user-profile,ingestion`: three workers); the services named nowhere run in the main thread with the gateway. Distributed mode ignores it.
   */
  readonly workerServices: readonly (readonly ServiceName[])[];
  /**
   * V8's heap growing factor for every thread of the process (`--heap-growing-percent`), set at start; 0 = V8's own
   * heuristics. Lower makes V8 collect sooner, at the cost of more full collections (at 1M users 50 % did not lower
   * RSS: docs/benchmarks.md).
   */
  readonly heapGrowingPercent: number;
  /**
   * Embedded mode: V8's young generation size (`resourceLimits.maxYoungGenerationSizeMb`, MiB) of the worker thread
   * running segmentation, which holds the read store; 0 = V8's default. Has no effect when segmentation runs in the
   * main thread (a thread's heap limits are fixed when it starts).
   */
  readonly readStoreYoungGenerationMb: number;
  /**
   * Embedded read store: pages by a sort field select through that field's sort column (`sort-columns.ts`) when the
   * planner finds it cheaper (ROSTER_READSTORE_SORT_COLUMNS, default on). Off: no columns are made or kept (8 bytes
   * per document per sort field used) and pages are selected as before them — for comparing the two (docs/benchmarks.md).
   */
  readonly readStoreSortColumns: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RosterConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.ROSTER_DATA_DIR),
    natsUrl: e.NATS_URL || undefined,
    kurrentDbUrl: e.KURRENTDB_URL || undefined,
    mongoUrl: e.MONGO_URL || undefined,
    mongoDb: e.MONGO_DB,
    adminKey: e.ROSTER_ADMIN_KEY || undefined,
    masterKeyBase64: e.ROSTER_MASTER_KEY || undefined,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.ROSTER_BODY_LIMIT,
    rpcTimeoutMs: e.ROSTER_RPC_TIMEOUT_MS,
    sqliteSynchronous: e.ROSTER_SQLITE_SYNCHRONOUS,
    publicUrl: e.ROSTER_PUBLIC_URL?.replace(/\/+$/, ''),
    snapshotIntervalSeconds: e.ROSTER_SNAPSHOT_INTERVAL_SECONDS,
    workerServices: parseWorkerServices(e.ROSTER_WORKER_SERVICES ?? DEFAULT_WORKER_SERVICES),
    heapGrowingPercent: e.ROSTER_HEAP_GROWING_PERCENT,
    readStoreYoungGenerationMb: e.ROSTER_READSTORE_YOUNG_GENERATION_MB,
    readStoreSortColumns: e.ROSTER_READSTORE_SORT_COLUMNS === 'on',
  };
}
