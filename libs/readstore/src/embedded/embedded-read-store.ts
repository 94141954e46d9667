import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ReadStoreError, type Collection, type Doc, type ReadStore } from '../port';
import { DEFAULT_COLLECTION_SETTINGS, EmbeddedCollection, type CollectionSettings } from './embedded-collection';
import { SnapshotUnreadableError } from './snapshot-errors';
import { discardSnapshot, readSnapshot, writeSnapshot, type SnapshotStats, type StoreCut } from './snapshot-file';
import { SnapshotKeys } from './snapshot-keys';

/** Where the store reports on its snapshots (a pino logger fits). Only counts, sizes, times and reasons: no data. */
export interface SnapshotLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  debug(details: Record<string, unknown>, message: string): void;
}

export interface EmbeddedSnapshotOptions {
  /** The snapshot file (e.g. `<data>/readstore.snapshot`); its key files are written next to it. */
  readonly file: string;
  /** 32 bytes that wrap each snapshot's data key: a secret derived from the master key. */
  readonly wrappingKey: Uint8Array;
  /** How often a snapshot is written when something changed; 0: only on close and `snapshotNow()`. */
  readonly intervalMs: number;
  /**
   * Names the shape of the documents the projections write; a snapshot of another version is discarded (the
   * projections rebuild). Change it when a projection's documents change meaning.
   */
  readonly readModelVersion: string;
  readonly log?: SnapshotLog;
  /** How the collections spread long work over turns and whether they keep sort columns (default `DEFAULT_COLLECTION_SETTINGS`; ROSTER_READSTORE_SORT_COLUMNS reaches it through `createReadStore`). */
  readonly collectionSettings?: CollectionSettings;
}

/** Marks the store changed whenever a write goes through, so that unchanged stores write no snapshot. */
class TrackedCollection<T extends Doc> extends EmbeddedCollection<T> {
  constructor(
    name: string,
    private readonly changed: () => void,
    settings: CollectionSettings,
  ) {
    super(name, settings);
  }

  override async upsert(doc: T, position: bigint): Promise<boolean> {
    const written = await super.upsert(doc, position);
    if (written) this.changed();
    return written;
  }

  override async delete(id: string, position?: bigint): Promise<void> {
    this.changed();
    return super.delete(id, position);
  }

  override async clear(): Promise<void> {
    this.changed();
    return super.clear();
  }
}

/**
 * The in-process read store. Collections are created on first use and shared by every caller of the same name.
 *
 * `new EmbeddedReadStore()` lives in memory only (`ephemeral`): projections rebuild it from the event store at start.
 * `EmbeddedReadStore.open({ file, ... })` loads the latest snapshot first — every collection's documents, positions
 * and tombstones, the projections' checkpoints among them — so projections resume where the snapshot was cut, and
 * writes a new one every `intervalMs` when something changed, on `snapshotNow()` and on close. The cut is taken
 * synchronously across all collections (documents and checkpoints together), then written encrypted in frames without
 * holding the event loop (`snapshot-file.ts`). A snapshot that cannot be read is logged, deleted and ignored.
 *
 * Erasure: documents hold decrypted personal data. Each snapshot has its own data key, destroyed once the next one
 * is durable; whoever deletes a data subject's documents must then call `snapshotNow()`, after which no readable
 * copy of them remains in the snapshot files.
 */
export class EmbeddedReadStore implements ReadStore {
  private readonly collections = new Map<string, TrackedCollection<Doc>>();
  private closed = false;
  private snapshots?: { readonly options: EmbeddedSnapshotOptions; readonly keys: SnapshotKeys };
  private timer?: NodeJS.Timeout;
  /** Counts writes; `snapshotted` is its value at the last durable snapshot's cut. */
  private changes = 0;
  private snapshotted = 0;
  /** Snapshot writes run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private periodicQueued = false;
  /**
   * How many index orders the snapshot file holds (the one loaded, then each one written): a close writes even when
   * nothing changed if more indexes are finished than that — the last write was a periodic one, which keeps no orders,
   * and without them the next start would build every index again instead of loading it.
   */
  private ordersOnDisk = 0;
  /** When the last snapshot write ended and how long it took (ms, performance.now()). */
  private lastWrite = { endedAt: -Infinity, tookMs: 0 };

  /** `settings`: how the collections spread long work over turns and whether they keep sort columns. */
  constructor(private readonly settings: CollectionSettings = DEFAULT_COLLECTION_SETTINGS) {}

  /** Opens a store backed by a snapshot file: loads the latest valid snapshot, then writes them as configured. */
  static async open(options: EmbeddedSnapshotOptions): Promise<EmbeddedReadStore> {
    const store = new EmbeddedReadStore(options.collectionSettings);
    store.snapshots = { options, keys: new SnapshotKeys(options.file, options.wrappingKey) };
    await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
    await store.restore();
    if (options.intervalMs > 0) {
      store.timer = setInterval(() => store.periodicSnapshot(), options.intervalMs);
      store.timer.unref();
    }
    return store;
  }

  /** True without a snapshot file: then nothing survives a restart. */
  get ephemeral(): boolean {
    return this.snapshots === undefined;
  }

  collection<T extends Doc>(name: string): Collection<T> {
    if (this.closed) throw new ReadStoreError('the read store is closed');
    return this.named(name) as unknown as Collection<T>;
  }

  /**
   * Writes a snapshot now, whether or not anything changed, and resolves once it is durable and the previous
   * snapshot's key is destroyed: the snapshot reflects every write made before the call. Erasure calls it after
   * deleting a data subject's documents.
   */
  async snapshotNow(): Promise<SnapshotStats> {
    if (!this.snapshots) throw new ReadStoreError('this read store has no snapshot file');
    if (this.closed) throw new ReadStoreError('the read store is closed');
    return this.enqueue(true) as Promise<SnapshotStats>;
  }

  /**
   * Writes a last snapshot, with the indexes' orders, if anything changed since the previous one or the file lacks the
   * order of an index finished now; then drops every document.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.snapshots) {
      await this.enqueue(false, true).catch((error: unknown) => this.snapshots?.options.log?.warn(errorDetails(error), 'read store snapshot at close failed'));
    }
    await Promise.all([...this.collections.values()].map((collection) => collection.clear()));
    this.collections.clear();
  }

  private named(name: string): TrackedCollection<Doc> {
    if (typeof name !== 'string' || name === '') throw new ReadStoreError('a collection needs a non-empty name');
    let collection = this.collections.get(name);
    if (!collection) {
      this.collections.set(name, (collection = new TrackedCollection<Doc>(name, () => this.changes++, this.settings)));
    }
    return collection;
  }

  private async restore(): Promise<void> {
    const { options, keys } = this.snapshots!;
    const started = performance.now();
    try {
      const snapshot = await readSnapshot(options.file, keys, options.readModelVersion, (name, doc) => this.named(name).shareStrings(doc));
      if (!snapshot) {
        // No snapshot: key files or a temporary file left by an interrupted write are of no use.
        await discardSnapshot(options.file);
        return;
      }
      for (const [name, dump] of snapshot.dumps) this.named(name).load(dump, true);
      this.changes = this.snapshotted = 0;
      this.ordersOnDisk = snapshot.stats.indexes;
      options.log?.info({ ...snapshot.stats, ms: Math.round(performance.now() - started) }, 'read store snapshot loaded');
    } catch (error) {
      for (const collection of this.collections.values()) collection.load({ docs: [], positions: [], tombstones: [] });
      options.log?.warn(errorDetails(error), 'read store snapshot unreadable: deleted; projections rebuild from the event store');
      await discardSnapshot(options.file);
    }
  }

  /** Whether a snapshot taken now would hold orders of more indexes than the file does. */
  private ordersMissing(): boolean {
    let toKeep = 0;
    for (const collection of this.collections.values()) toKeep += collection.ordersToKeep;
    return toKeep > this.ordersOnDisk;
  }

  private periodicSnapshot(): void {
    if (this.periodicQueued || this.changes === this.snapshotted) return;
    if (performance.now() < nextPeriodicWrite(this.lastWrite)) return;
    this.periodicQueued = true;
    this.enqueue(false)
      .catch((error: unknown) => this.snapshots?.options.log?.warn(errorDetails(error), 'periodic read store snapshot failed; retrying at the next interval'))
      .finally(() => (this.periodicQueued = false));
  }

  /** `indexOrders`: the cut takes every index's order too (the last snapshot, at close: see `EmbeddedCollection.dump`). */
  private enqueue(force: boolean, indexOrders = false): Promise<SnapshotStats | undefined> {
    const run = this.queue.then(() => this.write(force, indexOrders));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(force: boolean, indexOrders: boolean): Promise<SnapshotStats | undefined> {
    const { options, keys } = this.snapshots!;
    if (!force && this.changes === this.snapshotted && !(indexOrders && this.ordersMissing())) return undefined;
    const started = performance.now();
    const changes = this.changes;
    const cut: StoreCut = new Map([...this.collections].map(([name, collection]) => [name, collection.dump(indexOrders)]));
    const stats = await writeSnapshot(options.file, cut, keys, options.readModelVersion);
    this.snapshotted = changes;
    this.ordersOnDisk = stats.indexes;
    this.lastWrite = { endedAt: performance.now(), tookMs: performance.now() - started };
    options.log?.debug({ ...stats, ms: Math.round(performance.now() - started) }, 'read store snapshot written');
    return stats;
  }
}

/**
 * A periodic write spends at most a tenth of the time writing (its frames share the event loop with requests). A
 * fifth until 2026-12-06: under bench/search's load at 1M, `v8.serialize` and the compression's callbacks took ~19 %
 * of the segmentation thread over a 74 s window holding one write — capacity the queries lacked. The cost: after a
 * crash (a graceful stop writes a last snapshot) the projections replay the events since the last snapshot, up to
 * ~10 instead of ~5 times a write's duration of traffic (a write of ~15 s at 1M: ~2.5 min instead of ~1.25).
 */
export const SNAPSHOT_DUTY_FACTOR = 9;

/**
 * The earliest time the next periodic snapshot may start: a write of a million users takes 10–20 s, so the pause
 * after a write of a second or more grows with it (`SNAPSHOT_DUTY_FACTOR` times its duration), whatever the
 * configured interval.
 */
export function nextPeriodicWrite(last: { readonly endedAt: number; readonly tookMs: number }): number {
  // A write under a second (a store of up to ~100k documents) is left to the configured interval alone.
  return last.tookMs < 1000 ? -Infinity : last.endedAt + SNAPSHOT_DUTY_FACTOR * last.tookMs;
}

/** The error's kind and, for our own, the reason (never document content); for system errors the code. */
function errorDetails(error: unknown): Record<string, unknown> {
  if (error instanceof SnapshotUnreadableError) return { reason: error.reason };
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return { err: { type: name, code } };
}
