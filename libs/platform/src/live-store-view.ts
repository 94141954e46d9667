import type { EventStore, RecordedEvent, Subscription } from '@roster/eventstore';

/**
 * An in-memory view of some of a service's own streams: caught up from the store at start, kept live by a
 * subscription, and able to wait until it has seen a given position (read-your-writes right after a command).
 * Subclasses fold each event in `applyEvent`; events at or before the view's position are never applied twice.
 */
export abstract class LiveStoreView {
  private subscription?: Subscription;
  private position = -1n;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];

  protected constructor(
    private readonly store: EventStore,
    private readonly streamPrefixes: readonly string[],
  ) {}

  protected abstract applyEvent(event: RecordedEvent): void | Promise<void>;

  async start(): Promise<void> {
    await this.apply(await this.store.readAll({ streamPrefixes: this.streamPrefixes }));
    this.subscription = this.store.subscribeToAll((events) => this.apply(events), {
      after: this.position >= 0n ? this.position : undefined,
      streamPrefixes: this.streamPrefixes,
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  /** Resolves once the view has seen the event at `position`. */
  caughtUpTo(position: bigint): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.position <= this.position) continue;
      await this.applyEvent(event);
      this.position = event.position;
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.position <= this.position) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
}
