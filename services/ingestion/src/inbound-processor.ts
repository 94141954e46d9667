import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { INGESTION_EVENTS, SUBJECTS, type InboundAccepted, type RecordInteraction } from '@roster/contracts';
import type { ConsumerHandle, DeliveredEvent } from '@roster/messaging';
import { INFRA, type Infra } from '@roster/platform';
import { RecentlyAccepted } from './recently-accepted';

const CONSUMER = 'ingestion-inbound-processor';
/**
 * Events per request to user-profile. A delivered batch (`BATCH`) goes as several, so that decoding one overlaps
 * user-profile applying the one before; user-profile still appends each request's events in one transaction.
 * Each request is a round trip through this thread's event loop, which accepting events keeps busy: while
 * bench/search loaded 1M users, chunks of 125 (batches of 500) left user-profile 94 % idle and the processor ever
 * further behind (2026-12-05, docs/benchmarks.md). A batch is as large as what has been appended since the last one,
 * so at a low rate requests stay small; only a backlog fills them.
 */
export const CHUNK = 2000;
/** Events per delivered batch (one checkpoint each). */
const BATCH = 2 * CHUNK;
/**
 * Most JSON bytes of items in one request: over NATS a request larger than the server's `max_payload` (1 MiB by
 * default) fails every time it is delivered again, so a chunk whose items (profiles, field values) are larger than
 * this goes as several requests, in order.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * Applies accepted inbound events to bot users: a durable consumer of ingestion's own `InboundEventAccepted` events
 * that sends them, batched, to user-profile. At least once: a failed batch is delivered again, and user-profile's
 * decisions are idempotent. Its checkpoint lives in the event store so that a restart does not replay everything.
 */
@Injectable()
export class InboundProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private handle?: ConsumerHandle;
  /** The highest position checkpointed so far: a redelivered older batch never moves the checkpoint backwards. */
  private checkpoint?: bigint;

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    @Optional() private readonly recent?: RecentlyAccepted,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const store = this.infra.eventStore;
    this.handle = await this.infra.eventBus.consume(
      {
        name: CONSUMER,
        sources: ['ingestion'],
        eventTypes: [INGESTION_EVENTS.inboundAccepted],
        resumeAfter: () => store.readCheckpoint(CONSUMER),
        batchSize: BATCH,
      },
      (events) => this.apply(events),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }

  /**
   * Applies one delivered batch (public for tests: redelivery and reordering are driven through it): in chunks of
   * `CHUNK` events (a request each, or several when its items exceed `MAX_REQUEST_BYTES`), in order, each sent only
   * after user-profile has applied the one before (so a user's events never race each other), while the next chunk
   * is decoded — the decoding (decryption, on this thread) overlaps user-profile's work instead of alternating with
   * it. Resolves when every chunk is applied, then checkpoints;
   * a failed chunk rejects the whole batch, which is delivered again (user-profile's decisions are idempotent).
   */
  async apply(events: readonly DeliveredEvent[]): Promise<void> {
    if (events.length === 0) return;
    let next = this.interactions(events.slice(0, CHUNK));
    for (let start = 0; start < events.length; start += CHUNK) {
      const items = await next;
      const applied = this.send(items);
      if (start + CHUNK < events.length) {
        next = this.interactions(events.slice(start + CHUNK, start + 2 * CHUNK));
        // Awaited in the next round (or given up with the batch when `applied` fails): never an unhandled rejection.
        next.catch(() => undefined);
      }
      await applied;
    }
    const highest = events.reduce((max, e) => (e.position > max ? e.position : max), this.checkpoint ?? -1n);
    if (this.checkpoint === undefined || highest > this.checkpoint) {
      await this.infra.eventStore.writeCheckpoint(CONSUMER, highest);
      this.checkpoint = highest;
    }
  }

  /** Sends a chunk's items, in order, as requests of at most `MAX_REQUEST_BYTES` (one request when they fit). */
  private async send(items: readonly RecordInteraction[]): Promise<void> {
    for (const part of partsOfAtMost(items, MAX_REQUEST_BYTES)) {
      await this.infra.rpc.request(SUBJECTS.userProfile.recordInteractions, { items: part }, { timeoutMs: 60_000 });
    }
  }

  /** The interactions of accepted events, decoded, in order. */
  private async interactions(events: readonly DeliveredEvent[]): Promise<RecordInteraction[]> {
    return (await this.acceptedData(events))
      .map(({ botId, userId, event }) => ({
        botId,
        userId,
        channel: event.channel,
        channelUserId: event.channelUserId,
        eventType: event.type,
        occurredAt: new Date(event.occurredAt).toISOString(),
        profile: event.profile ? stringsOnly(event.profile) : undefined,
        ...typeSpecific(event),
      }))
      .filter((item) => typeof item.channelUserId === 'string');
  }

  /**
   * The accepted events' plain data, in order: what this process recorded a moment ago is taken from
   * `RecentlyAccepted` (no decryption), the rest decoded from the store.
   */
  private async acceptedData(events: readonly DeliveredEvent[]): Promise<InboundAccepted[]> {
    const accepted = events.filter((e) => e.type === INGESTION_EVENTS.inboundAccepted);
    const known = accepted.map((e) => this.recent?.take(e.id));
    const missing = accepted.filter((_, i) => known[i] === undefined);
    if (missing.length === 0) return known as InboundAccepted[];
    const decoded = await this.infra.codec.decodeAll<{ type: string; data: InboundAccepted }>(missing);
    let next = 0;
    return known.map((data) => data ?? decoded[next++]!.data);
  }
}

/**
 * Consecutive parts of `items`, in order, each at most `maxBytes` long as a JSON array — except an item too large for
 * that, which goes as a part of its own. No part is empty.
 */
export function partsOfAtMost<T>(items: readonly T[], maxBytes: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  // The part's JSON array so far: its opening bracket, then each item with the comma or bracket after it.
  let bytes = 1;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (part.length > 0 && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 1;
    }
    part.push(item);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** The payload of the event types that change more than the interaction (tags, fields, sequences, OTN topics). */
function typeSpecific(event: InboundAccepted['event']): Partial<RecordInteraction> {
  switch (event.type) {
    case 'tag.added':
    case 'tag.removed':
      return { tag: event.tag };
    case 'field.set':
      return { key: event.key, value: event.value };
    case 'field.cleared':
      return { key: event.key };
    case 'sequence.subscribed':
      return { sequenceId: event.sequenceId, ...(event.sequenceName ? { sequenceName: event.sequenceName } : {}) };
    case 'sequence.unsubscribed':
      return { sequenceId: event.sequenceId };
    case 'otn.optin':
      return { topicId: event.topicId, ...(event.topicName ? { topicName: event.topicName } : {}) };
    default:
      return {};
  }
}

function stringsOnly(profile: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(profile).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
