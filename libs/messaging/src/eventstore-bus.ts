import type { EventStore, RecordedEvent, Subscription } from '@roster/eventstore';
import type { ConsumerHandle, ConsumerOptions, DeliveredEvent, DeliveryHandler, EventBus } from './port';
import { defaultBusErrorReporter, type BusErrorReporter } from './bus-errors';
import { oneBatchAtATime } from './serialize';
import { assertConsumerName } from './subjects';

export interface EventStoreSource {
  readonly store: EventStore;
  /** The source's integration-event streams (e.g. `botUser-`); other streams stay private. Empty: every stream. */
  readonly streamPrefixes: readonly string[];
  /**
   * Which event types the streams under each prefix hold (prefixes left out may hold any). A consumer that names its
   * event types then reads only the prefixes that can hold them — the catalog's few events rather than every user's —
   * as JetStream consumers filter subjects by type. Without it every prefix of the source is read.
   */
  readonly typesByPrefix?: Readonly<Record<string, readonly string[]>>;
}

/** The prefixes of a source that can hold one of `types` (every prefix without `types` or a type map). */
export function prefixesFor(source: EventStoreSource, types: ReadonlySet<string> | undefined): readonly string[] {
  const map = source.typesByPrefix;
  if (!types || !map) return source.streamPrefixes;
  return source.streamPrefixes.filter((prefix) => !map[prefix] || map[prefix].some((type) => types.has(type)));
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
        const prefixes = prefixesFor(source, types);
        // Narrowed to nothing: no stream of this source holds a wanted type. (An empty list would mean every stream.)
        if (source.streamPrefixes.length > 0 && prefixes.length === 0) continue;
        const after = await options.resumeAfter();
        const deliver = async (events: readonly RecordedEvent[]) => {
          const wanted = types ? events.filter((e) => types.has(e.type)) : events;
          if (wanted.length > 0) await serialized(wanted.map((e): DeliveredEvent => ({ ...e, source: name })));
        };
        subscriptions.push(
          source.store.subscribeToAll(deliver, {
            ...(after === undefined ? {} : { after }),
            ...(prefixes.length > 0 ? { streamPrefixes: prefixes } : {}),
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
