import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SOURCE_TYPES_BY_PREFIX, SOURCES, type ServiceName, type SourceName } from '@roster/contracts';
import { createEventStore, SqliteEventStore, type EventStore } from '@roster/eventstore';
import { createReadStore, DEFAULT_COLLECTION_SETTINGS, discardSnapshot, ReadStoreError, type EmbeddedSnapshotOptions, type ReadStore } from '@roster/readstore';
import {
  EventStoreEventBus,
  InProcessBroker,
  InProcessClient,
  JetStreamEventBus,
  JetStreamRelay,
  natsClientOptions,
  RpcClient,
} from '@roster/messaging';
import { createKeyVault, deriveSecret, loadMasterKey, PiiCodec, Pseudonymizer } from '@roster/privacy';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { connect } from '@nats-io/transport-node';
import type { RosterConfig } from './config';
import { EventCodec } from './event-codec';
import type { Infra } from './infra';

export interface RunningInfra extends Infra {
  close(): Promise<void>;
}

/** Pieces both modes build the same way: the master key, the key vault, the PII codec and the pseudonymizer. */
async function privacyFor(config: RosterConfig) {
  mkdirSync(config.dataDir, { recursive: true });
  const masterKey = await loadMasterKey({ envValue: config.masterKeyBase64, dataDir: config.dataDir });
  const keyVault = await createKeyVault({
    mongoUrl: config.mongoUrl,
    mongoDb: config.mongoDb,
    sqliteFile: join(config.dataDir, 'keys.db'),
    masterKey,
  });
  // Data keys of 100k users stay in memory (~10 MB): bulk ingestion touches each user a few times in a row.
  const pii = new PiiCodec(keyVault, { cacheSize: 100_000 });
  const pseudonymizer = new Pseudonymizer(deriveSecret(masterKey, 'roster/pseudonyms/v1'));
  const snapshotWrappingKey = readStoreSnapshotWrappingKey(masterKey);
  return { keyVault, pii, pseudonymizer, codec: new EventCodec(pii), snapshotWrappingKey };
}

type Privacy = Awaited<ReturnType<typeof privacyFor>>;

/** The embedded read store's snapshot file in a data folder (per service in distributed mode). */
export const READSTORE_SNAPSHOT_FILE = 'readstore.snapshot';

/** The key that wraps the embedded read store's snapshot keys, derived from the master key (bench/readstore `--data` opens a kept snapshot with it). */
export function readStoreSnapshotWrappingKey(masterKey: Uint8Array): Uint8Array {
  return deriveSecret(masterKey, 'roster/readstore-snapshot-keys/v1');
}
/**
 * Names what the projections write, in every snapshot's header: a snapshot of another value is discarded whole.
 * Projections version their own documents (e.g. the user list's `USER_LIST_VERSION`); this is the blunt fallback.
 */
export const READ_MODEL_VERSION = 'roster/1';

/**
 * The read store of a data folder: MongoDB when MONGO_URL is set (distributed mode), else the embedded store with
 * its snapshot — or, with ROSTER_SNAPSHOT_INTERVAL_SECONDS=0, without one (a snapshot left over is deleted then).
 */
async function readStoreFor(config: RosterConfig, mongoUrl: string | undefined, dir: string, privacy: Privacy, logger: Logger): Promise<ReadStore> {
  const file = join(dir, READSTORE_SNAPSHOT_FILE);
  let snapshot: EmbeddedSnapshotOptions | undefined;
  if (!mongoUrl && config.snapshotIntervalSeconds === 0) await discardSnapshot(file);
  else snapshot = { file, wrappingKey: privacy.snapshotWrappingKey, intervalMs: config.snapshotIntervalSeconds * 1000, readModelVersion: READ_MODEL_VERSION, log: logger };
  const collectionSettings = { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: config.readStoreSortColumns };
  return createReadStore({ mongoUrl, mongoDb: config.mongoDb, snapshot, collectionSettings });
}

/**
 * The read store of an embedded thread that does not run segmentation: the thread that does owns the snapshot file,
 * and two owners of one file would overwrite each other's snapshots. Any use is a placement bug and says so.
 */
const NO_READ_STORE: ReadStore = {
  ephemeral: true,
  collection(name: string): never {
    throw new ReadStoreError(`collection ${name}: the read store is held by the thread that runs segmentation, not this one`);
  },
  close: async () => undefined,
};

/** The Infra of either mode; `closers` run in order on close (consumers first, stores last). */
function assemble(
  parts: Omit<Infra, 'codec' | 'pii' | 'pseudonymizer'>,
  privacy: Privacy,
  closers: readonly (() => Promise<unknown>)[],
): RunningInfra {
  const { codec, pii, pseudonymizer, keyVault } = privacy;
  return {
    ...parts,
    codec,
    pii,
    pseudonymizer,
    async close() {
      for (const close of [...closers, () => keyVault.close()]) await close();
    },
  };
}

export interface EmbeddedInfraOptions {
  /**
   * Whether this thread holds the read store (it runs segmentation): only then is the snapshot file opened. Default
   * true (everything in one thread).
   */
  readonly readStore?: boolean;
}

export type EmbeddedInfra = RunningInfra & { readonly broker: InProcessBroker; readonly eventStore: SqliteEventStore };

/**
 * Embedded mode, one per thread: a connection to the one SQLite event store (`<data>/events.db`, WAL, writers of
 * other threads wait on its busy timeout), the in-memory read store (restored from its snapshot at start, projections
 * catching up from their checkpoints) in the thread that runs segmentation, consumers reading the store directly, and
 * the in-process request/reply transport (joined to other threads' brokers by `BrokerBridge`).
 */
export async function createEmbeddedInfra(config: RosterConfig, logger: Logger, options: EmbeddedInfraOptions = {}): Promise<EmbeddedInfra> {
  const privacy = await privacyFor(config);
  const eventStore = new SqliteEventStore({ filename: join(config.dataDir, 'events.db'), synchronous: config.sqliteSynchronous });
  const readStore = options.readStore === false ? NO_READ_STORE : await readStoreFor(config, undefined, config.dataDir, privacy, logger);
  const sources = Object.fromEntries(
    (Object.keys(SOURCES) as SourceName[]).map((name) => [
      name,
      { store: eventStore, streamPrefixes: [...SOURCES[name]], ...(SOURCE_TYPES_BY_PREFIX[name] ? { typesByPrefix: SOURCE_TYPES_BY_PREFIX[name] } : {}) },
    ]),
  );
  const eventBus = new EventStoreEventBus(sources);
  const broker = new InProcessBroker();
  const proxy = new InProcessClient(broker);
  const rpc = new RpcClient(proxy, { timeoutMs: config.rpcTimeoutMs });
  const infra = assemble({ mode: 'embedded', config, eventStore, readStore, eventBus, rpc, logger }, privacy, [
    () => eventBus.close(),
    () => rpc.close(),
    () => readStore.close(),
    () => eventStore.close(),
  ]);
  return { ...infra, eventStore, broker };
}

/**
 * Distributed mode, one service per process: its own event store (KurrentDB when KURRENTDB_URL is set, else SQLite
 * under ROSTER_DATA_DIR/<service>), the read store (MongoDB when MONGO_URL is set, else in-memory with its snapshot in the service's folder), NATS
 * request/reply,
 * and JetStream for integration events — with the relay of this service's own events when it owns a source.
 */
export async function createDistributedInfra(config: RosterConfig, service: ServiceName, logger: Logger): Promise<RunningInfra> {
  if (!config.natsUrl) throw new Error('NATS_URL is required to run a service on its own (distributed mode)');
  const privacy = await privacyFor(config);
  const serviceDir = join(config.dataDir, service);
  mkdirSync(serviceDir, { recursive: true });
  const eventStore: EventStore = await createEventStore({ kurrentDbUrl: config.kurrentDbUrl, sqliteFile: join(serviceDir, 'events.db') });
  const readStore = await readStoreFor(config, config.mongoUrl, serviceDir, privacy, logger);
  // noAsyncTraces: otherwise nats.js builds two Error objects with stack traces for every published message
  // (4–5 % of ingestion's and user-profile's CPU in the distributed profile); errors still say what failed.
  const nc = await connect({ servers: config.natsUrl, name: `roster-${service}`, noAsyncTraces: true });
  const owned = (SOURCES as Record<string, readonly string[]>)[service];
  const onError = (error: unknown) => logger.warn({ err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'event delivery failed; retrying');
  const relay = owned
    ? await JetStreamRelay.start({ nc, store: eventStore, source: service, streamPrefixes: [...owned], onError })
    : undefined;
  const eventBus = new JetStreamEventBus({ nc, onError });
  const proxy = ClientProxyFactory.create(natsClientOptions({ url: config.natsUrl, service })) as ClientProxy;
  const rpc = new RpcClient(proxy, { timeoutMs: config.rpcTimeoutMs });
  return assemble({ mode: 'distributed', config, eventStore, readStore, eventBus, rpc, logger, nats: nc }, privacy, [
    () => eventBus.close(),
    async () => relay?.stop(),
    () => rpc.close(),
    () => nc.drain().catch(() => undefined),
    () => readStore.close(),
    () => eventStore.close(),
  ]);
}
