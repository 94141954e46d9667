import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { INGESTION_EVENTS, SUBJECTS, type InboundAccepted, type RecordInteraction } from '@roster/contracts';
import type { ConsumerHandle, DeliveredEvent } from '@roster/messaging';
import { INFRA, type Infra } from '@roster/platform';
import { RecentlyAccepted } from './recently-accepted';

const CONSUMER = 'ingestion-inbound-processor';

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
        batchSize: 500,
      },
      (events) => this.apply(events),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }

  /** Applies one delivered batch (public for tests: redelivery and reordering are driven through it). */
  async apply(events: readonly DeliveredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const items: RecordInteraction[] = (await this.acceptedData(events))
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
    if (items.length > 0) {
      await this.infra.rpc.request(SUBJECTS.userProfile.recordInteractions, { items }, { timeoutMs: 60_000 });
    }
    const highest = events.reduce((max, e) => (e.position > max ? e.position : max), this.checkpoint ?? -1n);
    if (this.checkpoint === undefined || highest > this.checkpoint) {
      await this.infra.eventStore.writeCheckpoint(CONSUMER, highest);
      this.checkpoint = highest;
    }
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
