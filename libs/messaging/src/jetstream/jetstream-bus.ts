import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { defaultBusErrorReporter, type BusErrorReporter } from '../bus-errors';
import type { ConsumerHandle, ConsumerOptions, DeliveryHandler, EventBus } from '../port';
import { oneBatchAtATime } from '../serialize';
import { assertConsumerName } from '../subjects';
import { prepareDurable } from './durable';
import { ensureEventStream } from './event-stream';
import { SourceConsumer } from './source-consumer';

export interface JetStreamEventBusOptions {
  readonly nc: NatsConnection;
  /** How long JetStream waits for an ack before redelivering (default 30 s); handlers are kept alive meanwhile. */
  readonly ackWaitMs?: number;
  readonly onError?: BusErrorReporter;
}

/**
 * The distributed-mode `EventBus`: one durable pull consumer per consumer name and source stream, explicit acks,
 * delivery in stream order. One process should pull a given durable at a time; a second one would receive
 * interleaved batches.
 */
export class JetStreamEventBus implements EventBus {
  private readonly js: JetStreamClient;
  private jsm: Promise<JetStreamManager> | undefined;
  private readonly handles = new Set<ConsumerHandle>();

  constructor(private readonly options: JetStreamEventBusOptions) {
    this.js = jetstream(options.nc);
  }

  async consume(options: ConsumerOptions, handler: DeliveryHandler): Promise<ConsumerHandle> {
    assertConsumerName(options.name);
    const jsm = await (this.jsm ??= jetstreamManager(this.options.nc));
    const batchSize = options.batchSize ?? 256;
    const ackWaitMs = this.options.ackWaitMs ?? 30_000;
    const report = this.options.onError ?? defaultBusErrorReporter;
    const serialized = oneBatchAtATime(handler);
    const types = options.eventTypes;
    const consumers: SourceConsumer[] = [];
    try {
      for (const source of options.sources) {
        const stream = await ensureEventStream(jsm, source);
        const floor = await options.resumeAfter();
        // Relayed messages hold runs of events of any types (JetStreamRelay), so types are filtered here, not by
        // subject. The durable holds about two batches' worth of messages in flight; see SourceConsumer for ordering.
        const maxMessages = Math.max(8, Math.ceil(batchSize / 8));
        const spec = { stream, name: options.name, filterSubject: undefined, maxAckPending: maxMessages * 2, ackWaitMs };
        await prepareDurable(jsm, spec, floor);
        const consumer = new SourceConsumer(
          this.js,
          {
            stream,
            durable: options.name,
            source,
            batchSize,
            maxMessages,
            ackWaitMs,
            floor,
            eventTypes: types ? new Set(types) : undefined,
            onError: (error) => report(error, { consumer: options.name, source }),
          },
          serialized,
        );
        await consumer.start();
        consumers.push(consumer);
      }
    } catch (error) {
      await Promise.all(consumers.map((c) => c.stop()));
      throw error;
    }
    const handle: ConsumerHandle = {
      stop: async () => {
        this.handles.delete(handle);
        await Promise.all(consumers.map((c) => c.stop()));
        // Acks are fire-and-forget publishes: make sure they left before the caller closes the connection.
        await this.options.nc.flush().catch(() => undefined);
      },
    };
    this.handles.add(handle);
    return handle;
  }

  /** Stops every consumer; the connection belongs to the caller and stays open. */
  async close(): Promise<void> {
    await Promise.all([...this.handles].map((h) => h.stop()));
  }
}
