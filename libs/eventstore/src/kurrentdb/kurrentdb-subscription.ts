import type { AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { BatchDelivery, type RetryPolicy } from '../batch-delivery';
import { EventStoreError, type BatchHandler, type RecordedEvent, type SubscribeOptions, type Subscription } from '../port';

/** The client's $all subscription as this class uses it: an object-mode Readable that can be cancelled. */
export interface LiveStream {
  read(): unknown;
  on(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
  unsubscribe(): Promise<void>;
  destroy(): unknown;
}

export interface LiveSource {
  /** Opens a server subscription to $all from `after` (the server may or may not include `after` itself). */
  open(after: bigint | undefined): LiveStream;
  /** Turns raw events into what the handler may see: positions after `after` only, user events, live streams. */
  select(raw: readonly AllStreamResolvedEvent[], after: bigint | undefined): Promise<RecordedEvent[]>;
}

interface StreamState {
  error: unknown;
  ended: boolean;
}

/**
 * Buffers the server's push stream into batches (whatever has arrived, up to `batchSize`), and hands them over with
 * the same guarantees as the SQLite adapter. When the server stream fails, it is reopened from the last delivered
 * position, after a backoff; events buffered but not delivered are simply read again.
 */
export class KurrentDbSubscription implements Subscription {
  readonly #delivery: BatchDelivery;
  readonly #finished: Promise<void>;
  readonly #batchSize: number;

  constructor(
    private readonly source: LiveSource,
    handler: BatchHandler,
    options: SubscribeOptions & { onError?: (error: unknown) => void },
    retry: RetryPolicy,
    onStopped: (subscription: KurrentDbSubscription) => void,
  ) {
    this.#batchSize = Math.max(1, options.batchSize ?? 500);
    this.#delivery = new BatchDelivery(handler, options.onError, options.after, retry);
    this.#finished = Promise.resolve()
      .then(() => this.run())
      .finally(() => onStopped(this));
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
    let failures = 0;
    while (!delivery.stopping) {
      const stream = this.source.open(delivery.position);
      const state: StreamState = { error: undefined, ended: false };
      const wake = () => delivery.wake();
      stream.on('readable', wake);
      stream.on('end', () => ((state.ended = true), wake()));
      stream.on('close', () => ((state.ended = true), wake()));
      // Kept for the stream's whole life: an 'error' without a listener would crash the process.
      stream.on('error', (error: unknown) => ((state.error ??= error), wake()));
      try {
        for (;;) {
          const raw = await this.nextBatch(stream, state);
          if (raw === undefined) break;
          const events = await this.source.select(raw, delivery.position);
          if (events.length > 0 && !(await delivery.deliver(events))) break;
          failures = 0;
        }
        if (!delivery.stopping) throw new EventStoreError('the KurrentDB subscription ended without being stopped');
      } catch (error) {
        if (delivery.stopping) break;
        delivery.reportError(error);
        await delivery.sleep(delivery.backoff(failures++));
      } finally {
        await close(stream);
      }
    }
  }

  /** Whatever the stream holds now (up to batchSize), waiting for at least one; undefined once stopped or ended. */
  private async nextBatch(stream: LiveStream, state: StreamState): Promise<AllStreamResolvedEvent[] | undefined> {
    const delivery = this.#delivery;
    for (;;) {
      if (delivery.stopping) return undefined;
      const batch: AllStreamResolvedEvent[] = [];
      let item: AllStreamResolvedEvent | null;
      while (batch.length < this.#batchSize && (item = stream.read() as AllStreamResolvedEvent | null) !== null) {
        batch.push(item);
      }
      if (batch.length > 0) return batch;
      if (state.error !== undefined) throw state.error;
      if (state.ended) return undefined;
      // The timeout is only a safety net; 'readable', 'end', 'error' and stop() wake us at once.
      await delivery.idle(1_000);
    }
  }
}

async function close(stream: LiveStream): Promise<void> {
  try {
    await stream.unsubscribe();
  } catch {
    // Already failed or cancelled: there is nothing left to release but the stream object.
  }
  stream.destroy();
}
