import { BatchDelivery, type RetryPolicy } from '../batch-delivery';
import type { BatchHandler, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription } from '../port';

/** A read of $all plus how far it looked: with a stream filter, the scan can pass many events that do not match. */
export interface ScanResult {
  readonly events: RecordedEvent[];
  /** Every event at or before this position was examined (the read snapshot's head when the read was not cut short). */
  readonly scannedTo: bigint | undefined;
}

/** What a subscription needs from the store: a synchronous scan of $all and a signal after each local commit. */
export interface SqliteSubscriptionSource {
  scanAll(options: ReadAllOptions): ScanResult;
  onAppended(listener: () => void): () => void;
}

export interface SqliteSubscriptionSettings {
  readonly pollIntervalMs: number;
  readonly retry: RetryPolicy;
}

/**
 * Catches up with `readAll` in batches, then waits for the store's in-process signal. The slow poll is what lets a
 * second process writing the same file be seen.
 */
export class SqliteSubscription implements Subscription {
  readonly #delivery: BatchDelivery;
  readonly #finished: Promise<void>;
  readonly #batchSize: number;

  constructor(
    private readonly source: SqliteSubscriptionSource,
    handler: BatchHandler,
    private readonly options: SubscribeOptions & { onError?: (error: unknown) => void },
    private readonly settings: SqliteSubscriptionSettings,
    private readonly onStopped: (subscription: SqliteSubscription) => void,
  ) {
    this.#batchSize = Math.max(1, options.batchSize ?? 500);
    this.#delivery = new BatchDelivery(handler, options.onError, options.after, settings.retry);
    // Start on the next microtask: the handler must not run before the caller holds the subscription.
    this.#finished = Promise.resolve()
      .then(() => this.run())
      .finally(() => this.onStopped(this));
  }

  get position(): bigint | undefined {
    return this.#delivery.position;
  }

  async stop(): Promise<void> {
    this.#delivery.requestStop();
    await this.#finished;
  }

  private async run(): Promise<void> {
    const delivery = this.#delivery;
    const unlisten = this.source.onAppended(() => delivery.wake());
    // Where the next scan starts. It runs ahead of the delivered position over events the filter skips, so that a
    // sparse filter (one bot's directory in a store of millions of events) never rescans what it already passed.
    let scanAfter = delivery.position;
    try {
      let failedReads = 0;
      while (!delivery.stopping) {
        delivery.clearWake();
        let scan: ScanResult;
        try {
          scan = this.source.scanAll({ after: scanAfter, maxCount: this.#batchSize, streamPrefixes: this.options.streamPrefixes });
          failedReads = 0;
        } catch (error) {
          delivery.reportError(error);
          await delivery.sleep(delivery.backoff(failedReads++));
          continue;
        }
        if (scan.events.length === 0) {
          if (scan.scannedTo !== undefined && (scanAfter === undefined || scan.scannedTo > scanAfter)) scanAfter = scan.scannedTo;
          await delivery.idle(this.settings.pollIntervalMs);
          continue;
        }
        // A failed handler keeps the delivered position: the same batch is scanned and delivered again.
        if (await delivery.deliver(scan.events)) scanAfter = scan.scannedTo ?? delivery.position;
        else scanAfter = delivery.position;
      }
    } finally {
      unlisten();
    }
  }
}
