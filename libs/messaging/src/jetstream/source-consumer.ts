import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { DeliveredEvent, DeliveryHandler } from '../port';
import { backoffMs, sleep } from '../retry';
import { POSITION_HEADER, decodeEvent, parsePosition } from '../wire';

export interface SourceConsumerSettings {
  readonly stream: string;
  readonly durable: string;
  readonly source: string;
  readonly batchSize: number;
  readonly ackWaitMs: number;
  /** Events at or before it are applied already (from `resumeAfter`); their copies are acknowledged unseen. */
  readonly floor: bigint | undefined;
  readonly eventTypes: ReadonlySet<string> | undefined;
  readonly onError: (error: unknown) => void;
}

/**
 * Pulls one source stream through a durable consumer and hands batches to the handler strictly in stream order.
 * A failed batch is retried here, with backoff, while its messages are kept alive with `working()`: a nak would
 * let JetStream deliver newer messages before the redelivery whenever `max_ack_pending` has room, and a
 * position-guarded projection would then skip the older events for good.
 */
export class SourceConsumer {
  private readonly queue: { msg: JsMsg; position: bigint }[] = [];
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  /** Everything at or before it was handed over successfully and acknowledged. */
  private applied: bigint | undefined;
  /** Highest position queued: a message at or below it (and above `applied`) is a copy of one still queued. */
  private queued: bigint | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly settings: SourceConsumerSettings,
    private readonly handler: DeliveryHandler,
  ) {
    this.applied = settings.floor;
    this.queued = settings.floor;
  }

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(this.settings.stream, this.settings.durable);
    this.messages = await consumer.consume({ max_messages: this.settings.batchSize, callback: (msg) => this.receive(msg) });
    this.loop = this.run().catch((error: unknown) => this.report(error));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.messages?.close();
    await this.loop;
    // Hand the rest back at once, so the next process that pulls this durable gets them first.
    for (const { msg } of this.queue.splice(0)) settle(msg, 'nak');
  }

  private receive(msg: JsMsg): void {
    let position: bigint;
    try {
      position = parsePosition(msg.headers?.get(POSITION_HEADER), POSITION_HEADER);
    } catch (error) {
      this.reject(msg, error);
      return;
    }
    if (this.applied !== undefined && position <= this.applied) {
      settle(msg, 'ack');
      return;
    }
    if (this.queued !== undefined && position <= this.queued) return;
    this.queued = position;
    this.queue.push({ msg, position });
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const batch = this.queue.splice(0, this.settings.batchSize);
      const done = await this.process(batch);
      if (!done) {
        this.queue.unshift(...batch);
        return;
      }
    }
  }

  /** Resolves false when stopping interrupted a failing batch (its messages then go back to the queue). */
  private async process(batch: readonly { msg: JsMsg; position: bigint }[]): Promise<boolean> {
    const events = this.decode(batch.map((b) => b.msg));
    const types = this.settings.eventTypes;
    const wanted = types ? events.filter((e) => types.has(e.type)) : events;
    for (let attempt = 1; wanted.length > 0; attempt++) {
      try {
        await this.keepAlive(batch, () => this.handler(wanted));
        break;
      } catch (error) {
        this.report(error);
        await sleep(backoffMs(attempt), this.stopping.signal);
        if (this.stopping.signal.aborted) return false;
        for (const { msg } of batch) settle(msg, 'working');
      }
    }
    for (const { msg } of batch) settle(msg, 'ack');
    this.applied = batch[batch.length - 1]!.position;
    return true;
  }

  private decode(messages: readonly JsMsg[]): DeliveredEvent[] {
    const events: DeliveredEvent[] = [];
    for (const msg of messages) {
      try {
        events.push(decodeEvent(msg.string(), this.settings.source));
      } catch (error) {
        this.reject(msg, error);
      }
    }
    return events;
  }

  /** Not an event the relay wrote: retrying cannot help, so it is terminated and reported. */
  private reject(msg: JsMsg, error: unknown): void {
    settle(msg, 'term');
    this.report(new Error(`${this.settings.stream}#${msg.seq}: ${error instanceof Error ? error.message : String(error)}`));
  }

  private report(error: unknown): void {
    try {
      this.settings.onError(error);
    } catch {
      // A throwing reporter must not end delivery.
    }
  }

  /** A slow handler must not let `ack_wait` expire, or JetStream would redeliver behind newer messages. */
  private async keepAlive(batch: readonly { msg: JsMsg }[], work: () => Promise<void>): Promise<void> {
    const timer = setInterval(() => batch.forEach(({ msg }) => settle(msg, 'working')), Math.max(1000, this.settings.ackWaitMs / 3));
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
  }
}

/**
 * Acks travel as plain publishes; on a closed connection they throw. Nothing is lost by ignoring that: an unacked
 * message is redelivered, and the next start recreates the durable at the consumer's own position.
 */
function settle(msg: JsMsg, how: 'ack' | 'nak' | 'working' | 'term'): void {
  try {
    if (how === 'term') msg.term('not a relayed event');
    else msg[how]();
  } catch {
    // See above.
  }
}
