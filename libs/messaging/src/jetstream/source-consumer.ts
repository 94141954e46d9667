import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { DeliveredEvent, DeliveryHandler } from '../port';
import { backoffMs, sleep } from '../retry';
import { POSITION_HEADER, decodeMessage, parsePosition } from '../wire';

export interface SourceConsumerSettings {
  readonly stream: string;
  readonly durable: string;
  readonly source: string;
  /** Most events handed to the handler at once (a message holds up to the relay's run of events). */
  readonly batchSize: number;
  /** Most messages buffered by the client (the durable's `max_ack_pending` is the server's bound). */
  readonly maxMessages: number;
  readonly ackWaitMs: number;
  /** Events at or before it are applied already (from `resumeAfter`); their copies are acknowledged unseen. */
  readonly floor: bigint | undefined;
  readonly eventTypes: ReadonlySet<string> | undefined;
  readonly onError: (error: unknown) => void;
}

/** A received message, decoded once: the events it holds in position order, the last one's position. */
interface Received {
  readonly msg: JsMsg;
  readonly position: bigint;
  readonly events: readonly DeliveredEvent[];
}

/**
 * Pulls one source stream through a durable consumer and hands batches to the handler strictly in stream order.
 * A message holds a run of events (see JetStreamRelay); batches are cut from the queued messages' events, at most
 * `batchSize` at a time, and a message is acknowledged once all its events were handled.
 * A failed batch is retried here, with backoff, while its messages are kept alive with `working()`: a nak would
 * let JetStream deliver newer messages before the redelivery whenever `max_ack_pending` has room, and a
 * position-guarded projection would then skip the older events for good.
 */
export class SourceConsumer {
  private readonly queue: Received[] = [];
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
    this.messages = await consumer.consume({ max_messages: this.settings.maxMessages, callback: (msg) => this.receive(msg) });
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
    let events: DeliveredEvent[];
    try {
      position = parsePosition(msg.headers?.get(POSITION_HEADER), POSITION_HEADER);
      if (this.applied !== undefined && position <= this.applied) {
        settle(msg, 'ack');
        return;
      }
      if (this.queued !== undefined && position <= this.queued) return;
      events = decodeMessage(msg.string(), this.settings.source);
      if (events[events.length - 1]!.position !== position) throw new Error(`${POSITION_HEADER} is not the position of the last event`);
    } catch (error) {
      this.reject(msg, error);
      return;
    }
    this.queued = position;
    this.queue.push({ msg, position, events });
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      // Whole messages, until they hold a batch's worth of events.
      let take = 0;
      for (let events = 0; take < this.queue.length && events < this.settings.batchSize; take++) events += this.queue[take]!.events.length;
      const batch = this.queue.splice(0, take);
      const done = await this.process(batch);
      if (!done) {
        this.queue.unshift(...batch);
        return;
      }
    }
  }

  /**
   * Hands the messages' events over in batches of at most `batchSize`, each retried until it is applied; then acks
   * the messages. Events at or before `applied` are left out: a consumer recreated at its own position starts at the
   * message holding the first event after it, which may also hold earlier ones. Resolves false when stopping
   * interrupted a failing batch (the messages then go back to the queue; batches handed over already are applied
   * again on redelivery, which the handlers' position guards make harmless).
   */
  private async process(batch: readonly Received[]): Promise<boolean> {
    const applied = this.applied;
    const types = this.settings.eventTypes;
    const wanted = batch.flatMap((r) => r.events).filter((e) => (applied === undefined || e.position > applied) && (!types || types.has(e.type)));
    for (let from = 0; from < wanted.length; from += this.settings.batchSize) {
      const events = wanted.slice(from, from + this.settings.batchSize);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.keepAlive(batch, () => this.handler(events));
          break;
        } catch (error) {
          this.report(error);
          await sleep(backoffMs(attempt), this.stopping.signal);
          if (this.stopping.signal.aborted) return false;
          for (const { msg } of batch) settle(msg, 'working');
        }
      }
    }
    for (const { msg } of batch) settle(msg, 'ack');
    this.applied = batch[batch.length - 1]!.position;
    return true;
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
