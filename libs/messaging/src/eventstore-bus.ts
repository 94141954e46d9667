import type { EventStore, RecordedEvent, Subscription } from '@roster/eventstore';
import type { ConsumerHandle, ConsumerOptions, DeliveredEvent, DeliveryHandler, EventBus } from './port';
import { defaultBusErrorReporter, type BusErrorReporter } from './bus-errors';
import { oneBatchAtATime } from './serialize';
import { assertConsumerName } from './subjects';

export interface EventStoreSource {
  readonly store: EventStore;
  /** The source's integration-event streams (e.g. `botUser-`); other streams stay private. Empty: every stream. */
  readonly streamPrefixes: readonly string[];
}

/**
 * The embedded-mode `EventBus`: each consumer reads the source stores directly, from its own checkpoint
 * (`resumeAfter`). The store subscription delivers in global order and retries a failed batch, which gives
 * at-least-once delivery without a broker.
 */
export class EventStoreEventBus implements EventBus {
  private readonly handles = new Set<ConsumerHandle>();

  constructor(
    private readonly sources: Readonly<Record<string, EventStoreSource>>,
    private readonly onError: BusErrorReporter = defaultBusErrorReporter,
  ) {}

  async consume(options: ConsumerOptions, handler: DeliveryHandler): Promise<ConsumerHandle> {
    assertConsumerName(options.name);
    const sources = options.sources.map((name) => {
      const source = this.sources[name];
      if (!source) throw new Error(`unknown event source "${name}"`);
      return [name, source] as const;
    });
    const types = options.eventTypes ? new Set(options.eventTypes) : undefined;
    const serialized = oneBatchAtATime(handler);
    const subscriptions: Subscription[] = [];
    try {
      for (const [name, source] of sources) {
        const after = await options.resumeAfter();
        const deliver = async (events: readonly RecordedEvent[]) => {
          const wanted = types ? events.filter((e) => types.has(e.type)) : events;
          if (wanted.length > 0) await serialized(wanted.map((e): DeliveredEvent => ({ ...e, source: name })));
        };
        subscriptions.push(
          source.store.subscribeToAll(deliver, {
            ...(after === undefined ? {} : { after }),
            ...(source.streamPrefixes.length > 0 ? { streamPrefixes: source.streamPrefixes } : {}),
            batchSize: options.batchSize ?? 256,
            onError: (error) => this.onError(error, { consumer: options.name, source: name }),
          }),
        );
      }
    } catch (error) {
      await Promise.all(subscriptions.map((s) => s.stop()));
      throw error;
    }
    const handle: ConsumerHandle = {
      stop: async () => {
        this.handles.delete(handle);
        await Promise.all(subscriptions.map((s) => s.stop()));
      },
    };
    this.handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles].map((h) => h.stop()));
  }
}
