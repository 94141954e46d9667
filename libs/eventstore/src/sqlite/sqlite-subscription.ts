import { BatchDelivery, type RetryPolicy } from '../batch-delivery';
import type { BatchHandler, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription } from '../port';

/** What a subscription needs from the store: a synchronous read of $all and a signal after each local commit. */
export interface SqliteSubscriptionSource {
  readAllNow(options: ReadAllOptions): RecordedEvent[];
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
    try {
      let failedReads = 0;
      while (!delivery.stopping) {
        delivery.clearWake();
        let batch: RecordedEvent[];
        try {
          batch = this.source.readAllNow({
            after: delivery.position,
            maxCount: this.#batchSize,
            streamPrefixes: this.options.streamPrefixes,
          });
          failedReads = 0;
        } catch (error) {
          delivery.reportError(error);
          await delivery.sleep(delivery.backoff(failedReads++));
          continue;
        }
        if (batch.length === 0) await delivery.idle(this.settings.pollIntervalMs);
        else await delivery.deliver(batch);
      }
    } finally {
      unlisten();
    }
  }
}
