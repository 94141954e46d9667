import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { EventStore, RecordedEvent, Subscription } from '@roster/eventstore';
import { eventSubject } from '../subjects';
import { EVENT_TYPE_HEADER, POSITION_HEADER, encodeEvent } from '../wire';
import { ensureEventStream, readTail } from './event-stream';

export interface RelayOptions {
  readonly nc: NatsConnection;
  readonly store: EventStore;
  /** The source service whose store this is (`user-profile`). */
  readonly source: string;
  /** Streams whose events are integration events (e.g. `botUser-`). Empty: every stream. */
  readonly streamPrefixes: readonly string[];
  /** Events published per pipelined round (default 500). */
  readonly batchSize?: number;
  readonly duplicateWindowMs?: number;
  /** Told about every failed round; the round is then retried by the store subscription. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The outbox relay of the distributed mode: copies the source store's events, in order, into the source's
 * JetStream stream. Its checkpoint is the stream itself (the last message's `Roster-Position`). Every publish also
 * states the stream sequence it expects to follow, so a message is stored only right after its predecessor: a
 * rejected message can never leave a gap behind later ones, and a second relay cannot interleave older events.
 * `Nats-Msg-Id` (the event id) turns the overlap after a crash, or a racing relay, into acknowledged duplicates.
 */
export class JetStreamRelay {
  private subscription: Subscription | undefined;
  private lastSeq = 0;
  private lastPosition: bigint | undefined;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly options: RelayOptions,
  ) {}

  static async start(options: RelayOptions): Promise<JetStreamRelay> {
    const jsm = await jetstreamManager(options.nc);
    const stream = await ensureEventStream(jsm, options.source, options.duplicateWindowMs);
    const relay = new JetStreamRelay(jetstream(options.nc), jsm, stream, options);
    await relay.resync();
    relay.subscribe();
    return relay;
  }

  /** Position of the last event known to be in the stream. */
  get position(): bigint | undefined {
    return this.lastPosition;
  }

  get streamName(): string {
    return this.stream;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private subscribe(): void {
    const { store, streamPrefixes, batchSize = 500, onError } = this.options;
    this.subscription = store.subscribeToAll((events) => this.relay(events), {
      ...(this.lastPosition === undefined ? {} : { after: this.lastPosition }),
      ...(streamPrefixes.length > 0 ? { streamPrefixes } : {}),
      batchSize,
      ...(onError ? { onError } : {}),
    });
  }

  private async relay(events: readonly RecordedEvent[]): Promise<void> {
    const after = this.lastPosition;
    const pending = after === undefined ? events : events.filter((e) => e.position > after);
    if (pending.length === 0) return;
    try {
      const acks = await this.publishInOrder(pending);
      this.lastSeq = acks[acks.length - 1]!.seq;
      this.lastPosition = pending[pending.length - 1]!.position;
    } catch (error) {
      // Some messages may have been stored before the failure: the stream says where to go on from.
      await this.resync().catch(() => undefined);
      throw error;
    }
  }

  /** All publishes in flight at once (pipelined), each expecting its predecessor's sequence. */
  private async publishInOrder(events: readonly RecordedEvent[]): Promise<PubAck[]> {
    const settled = await Promise.allSettled(
      events.map((event, i) => {
        const h = headers();
        h.set(POSITION_HEADER, event.position.toString());
        h.set(EVENT_TYPE_HEADER, event.type);
        return this.js.publish(eventSubject(this.options.source, event.type), encodeEvent(event), {
          msgID: event.id,
          headers: h,
          expect: { lastSequence: this.lastSeq + i },
        });
      }),
    );
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<PubAck>).value);
  }

  private async resync(): Promise<void> {
    const tail = await readTail(this.jsm, this.stream);
    this.lastSeq = tail.seq;
    this.lastPosition = tail.position;
  }
}
