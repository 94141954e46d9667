import type { BatchHandler, RecordedEvent } from './port';

/** Capped exponential backoff used for failed batches and for failed reads of a subscription. */
export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000 };

interface Waiter {
  readonly wakeable: boolean;
  readonly release: () => void;
}

/**
 * The delivery half of a subscription, shared by the adapters so that both give the same guarantees: one batch at a
 * time, the same batch again after a failure, and a stop that never cuts a batch in half.
 */
export class BatchDelivery {
  #position: bigint | undefined;
  #stopping = false;
  // A wake-up that arrived while nobody was idle must not be lost, or an append could wait for the slow poll.
  #wakePending = false;
  readonly #waiters = new Set<Waiter>();

  constructor(
    private readonly handler: BatchHandler,
    private readonly onError: ((error: unknown) => void) | undefined,
    start: bigint | undefined,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    this.#position = start;
  }

  get position(): bigint | undefined {
    return this.#position;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Hands the batch to the handler until it succeeds. Returns false if stopped first. */
  async deliver(batch: readonly RecordedEvent[]): Promise<boolean> {
    for (let attempt = 0; !this.#stopping; attempt++) {
      try {
        await this.handler(batch);
        this.#position = batch[batch.length - 1]?.position ?? this.#position;
        return true;
      } catch (error) {
        this.reportError(error);
        await this.sleep(this.backoff(attempt));
      }
    }
    return false;
  }

  backoff(attempt: number): number {
    return Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** Math.min(attempt, 30));
  }

  reportError(error: unknown): void {
    try {
      this.onError?.(error);
    } catch {
      // A throwing error callback must not end the subscription: delivery is still owed.
    }
  }

  /** Waits up to `ms`; returns early on `wake()` or `requestStop()`. */
  idle(ms: number): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return this.wait(ms, true);
  }

  /** Waits `ms` (a backoff); only `requestStop()` cuts it short, so a busy store cannot turn retries into a storm. */
  sleep(ms: number): Promise<void> {
    return this.wait(ms, false);
  }

  /** Forget earlier wake-ups: the caller is about to look for new events itself. */
  clearWake(): void {
    this.#wakePending = false;
  }

  wake(): void {
    let woke = false;
    for (const waiter of [...this.#waiters]) {
      if (waiter.wakeable) {
        waiter.release();
        woke = true;
      }
    }
    if (!woke) this.#wakePending = true;
  }

  requestStop(): void {
    this.#stopping = true;
    for (const waiter of [...this.#waiters]) waiter.release();
  }

  private wait(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.release(), ms);
      // A forgotten subscription should not keep a process alive on its own.
      timer.unref();
      const waiter: Waiter = {
        wakeable,
        release: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
