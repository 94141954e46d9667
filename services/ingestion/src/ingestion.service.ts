import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  ingestBodySchema,
  INGESTION_EVENTS,
  streams,
  type InboundAccepted,
  type IngestBody,
  type IngestResult,
  type NormalizedEvent,
} from '@roster/contracts';
import { newEventId, NO_STREAM } from '@roster/eventstore';
import { fail, ok, type Reply } from '@roster/messaging';
import { INFRA, parseOrFail, serviceMetrics, type Infra } from '@roster/platform';
import { IdentityResolver, identityKey } from './identity-resolver';
import { RecentlyAccepted } from './recently-accepted';

/** Events recorded by ingestion (HTTP, webhooks, connectors), by outcome: `accepted` (new) or `duplicate`. */
const ingestedEvents = (infra: Infra) =>
  serviceMetrics(infra, 'ingestion').counter({ name: 'roster_events_ingested_total', help: 'Events ingested, by outcome (accepted: new; duplicate: its eventId was seen before)', labelNames: ['outcome'], zeroes: [{ outcome: 'accepted' }, { outcome: 'duplicate' }] });

/** Seconds batches waited before being recorded because the InboundProcessor was behind (RecentlyAccepted.roomFor). */
const intakeWaits = (infra: Infra) =>
  serviceMetrics(infra, 'ingestion').counter({ name: 'roster_ingest_paced_seconds_total', help: 'Seconds ingested batches waited for the inbound processor to catch up before being recorded', labelNames: [] });

@Injectable()
export class IngestionService {
  private readonly identities: IdentityResolver;
  private readonly ingested: ReturnType<typeof ingestedEvents>;
  private readonly paced: ReturnType<typeof intakeWaits>;

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    @Optional() private readonly recent?: RecentlyAccepted,
  ) {
    this.identities = new IdentityResolver(infra.eventStore, infra.pseudonymizer);
    this.ingested = ingestedEvents(infra);
    this.paced = intakeWaits(infra);
  }

  /**
   * Validates the whole batch first (one bad event rejects the batch and records nothing), resolves identities, then
   * records each event in its own `inbound-` stream expecting no stream: a conflict means this eventId was accepted
   * before (a duplicate). The events are durable when this returns; the processor applies them to the users.
   */
  async ingest(botId: string, body: unknown, now: Date = new Date()): Promise<Reply<IngestResult>> {
    const parsed = parseOrFail(ingestBodySchema, body);
    if (!parsed.ok) return parsed;
    const input = parsed.value as IngestBody;
    const events: NormalizedEvent[] = 'events' in input ? input.events : [input];
    // Waits (≤ 1 s) while this process's processor is far behind: see RecentlyAccepted, "Intake waits".
    const waitedMs = (await this.recent?.roomFor(events.length)) ?? 0;
    if (waitedMs > 0) this.paced.inc(waitedMs / 1000);
    const userIds = await this.identities.resolveAll(botId, events);
    const receivedAt = now.toISOString();
    const seen = new Set<string>();
    const fresh: { stream: string; event: NormalizedEvent }[] = [];
    let duplicates = 0;
    for (const event of events) {
      const stream = streams.inbound(botId, this.infra.pseudonymizer.pseudonym('event', botId, event.eventId));
      if (seen.has(stream)) {
        duplicates++;
        continue;
      }
      seen.add(stream);
      fresh.push({ stream, event });
    }
    // Encoded together: the users' existing data keys that are not cached are read in one vault read, and the ones
    // still missing are then created in one vault transaction.
    await this.infra.codec.preloadKeys(fresh.map(({ event }) => userIds.get(identityKey(event.channel, event.channelUserId))!));
    const appends = await Promise.all(
      fresh.map(async ({ stream, event }) => {
        const userId = userIds.get(identityKey(event.channel, event.channelUserId))!;
        const data: InboundAccepted = { botId, userId, receivedAt, event };
        const encoded = await this.infra.codec.encode({ type: INGESTION_EVENTS.inboundAccepted, data });
        // A time-ordered (UUIDv7) event id: the store's unique index on ids grows at its right edge.
        return { data, append: { streamName: stream, expected: NO_STREAM, events: [{ ...encoded, id: newEventId() }] } };
      }),
    );
    const outcomes = await this.infra.eventStore.appendMany(appends.map((a) => a.append));
    // Before the processor can be handed these events: it runs on a later turn (after the commit's wake-up).
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) this.recent?.remember(appends[i]!.append.events[0]!.id, appends[i]!.data);
    });
    const accepted = outcomes.filter((o) => o.ok).length;
    duplicates += outcomes.length - accepted;
    if (accepted + duplicates !== events.length) return fail('internal', 'not every event was recorded');
    this.ingested.inc({ outcome: 'accepted' }, accepted);
    this.ingested.inc({ outcome: 'duplicate' }, duplicates);
    return ok({ accepted, duplicates });
  }
}
