import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { EventStore, RecordedEvent, Subscription } from '@roster/eventstore';
import { batchSubject } from '../subjects';
import { EVENT_COUNT_HEADER, EVENT_TYPE_HEADER, FIRST_POSITION_HEADER, POSITION_HEADER, encodeBatch, encodeEvent } from '../wire';
import { ensureEventStream, readTail } from './event-stream';

export interface RelayOptions {
  readonly nc: NatsConnection;
  readonly store: EventStore;
  /** The source service whose store this is (`user-profile`). */
  readonly source: string;
  /** Streams whose events are integration events (e.g. `botUser-`). Empty: every stream. */
  readonly streamPrefixes: readonly string[];
  /** Events read from the store per round (default 500); a round is published as one or more messages. */
  readonly batchSize?: number;
  /** Most events in one message (default 100). */
  readonly maxEventsPerMessage?: number;
  /** Most bytes in one message (default: a quarter of the server's max_payload, at most 256 KiB). */
  readonly maxMessageBytes?: number;
  readonly duplicateWindowMs?: number;
  /** Told about every failed round; the round is then retried by the store subscription. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The outbox relay of the distributed mode: copies the source store's events, in order, into the source's
 * JetStream stream. Each message holds a run of consecutive events (up to `maxEventsPerMessage` / `maxMessageBytes`)
 * on the source's `~batch` subject: one JetStream message, one stored record and one consumer ack per run instead of
 * per event cut the broker's share of the work (it was about a quarter of the CPU of a distributed deployment).
 * Its checkpoint is the stream itself (the last message's `Roster-Position`, its last event's). Every publish also
 * states the stream sequence it expects to follow and, after the first message of a round, the id of the message it
 * follows, so a message is stored only right after its predecessor: a rejected message can never leave a gap behind
 * later ones, and a second relay cannot interleave older events.
 * `Nats-Msg-Id` — the event id for a message of one event, `<first id>..<last id>` for a run — turns a republished
 * message (after a crash, or by a racing relay) into an acknowledged duplicate.
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

  /** All messages in flight at once (pipelined), each expecting its predecessor's sequence. */
  private async publishInOrder(events: readonly RecordedEvent[]): Promise<PubAck[]> {
    const subject = batchSubject(this.options.source);
    let previousID: string | undefined;
    const settled = await Promise.allSettled(
      this.messages(events).map((run, i) => {
        const first = run.events[0]!;
        const last = run.events[run.events.length - 1]!;
        const h = headers();
        h.set(POSITION_HEADER, last.position.toString());
        h.set(FIRST_POSITION_HEADER, first.position.toString());
        h.set(EVENT_COUNT_HEADER, String(run.events.length));
        if (run.events.length === 1) h.set(EVENT_TYPE_HEADER, first.type);
        const msgID = run.events.length === 1 ? first.id : `${first.id}..${last.id}`;
        // A sequence alone does not say which message it is: if the first message of the round is rejected because
        // a racing relay stored a message of its own there, the second one's expected sequence may be the stream's
        // (that other message's), and it would be stored behind a gap. So every later message also names its
        // predecessor, whose id says which events it holds.
        const expect = previousID === undefined ? { lastSequence: this.lastSeq } : { lastSequence: this.lastSeq + i, lastMsgID: previousID };
        previousID = msgID;
        return this.js.publish(subject, encodeBatch(run.encoded), { msgID, headers: h, expect });
      }),
    );
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<PubAck>).value);
  }

  /**
   * Splits a round into messages of consecutive events. An event too large for a message on its own still gets one:
   * the server then rejects it, and the relay stops there (nothing after it is stored) until an operator intervenes.
   */
  private messages(events: readonly RecordedEvent[]): { events: RecordedEvent[]; encoded: string[] }[] {
    const maxEvents = Math.max(1, this.options.maxEventsPerMessage ?? 100);
    const maxPayload = this.options.nc.info?.max_payload ?? 1024 * 1024;
    const maxBytes = this.options.maxMessageBytes ?? Math.min(256 * 1024, Math.floor(maxPayload / 4));
    const runs: { events: RecordedEvent[]; encoded: string[] }[] = [];
    let run: { events: RecordedEvent[]; encoded: string[] } | undefined;
    let bytes = 0;
    for (const event of events) {
      const encoded = encodeEvent(event);
      const size = Buffer.byteLength(encoded) + 1;
      if (!run || run.events.length >= maxEvents || bytes + size > maxBytes) {
        run = { events: [], encoded: [] };
        runs.push(run);
        bytes = 2;
      }
      run.events.push(event);
      run.encoded.push(encoded);
      bytes += size;
    }
    return runs;
  }

  private async resync(): Promise<void> {
    const tail = await readTail(this.jsm, this.stream);
    this.lastSeq = tail.seq;
    this.lastPosition = tail.position;
  }
}
