import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SEGMENTATION_EVENTS, streams, type Segment, type SegmentEvent } from '@roster/contracts';
import type { ConsumerHandle, DeliveredEvent } from '@roster/messaging';
import { handleCommand, INFRA, loadAggregate, StreamLocks, type Infra } from '@roster/platform';
import type { Collection, Doc } from '@roster/readstore';
import { segmentDecider, SegmentNotFoundError, type SegmentCommand, type SegmentState } from './domain/segment';
import { SearchService } from './search.service';

const CONSUMER = 'segmentation-segments';
type SegmentDoc = Doc & { botId: string; name: string; filter: string; createdAt: string; updatedAt: string };

/**
 * Saved segments: event-sourced (`segment-<botId>-<segmentId>`) so they survive restarts whatever the read store,
 * listed from a small projection. Filters are validated on save against the bot's field definitions.
 */
@Injectable()
export class SegmentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly segments: Collection<SegmentDoc>;
  private readonly checkpoints: Collection<{ id: string; position: string }>;
  private readonly locks = new StreamLocks();
  private handle?: ConsumerHandle;

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly search: SearchService,
  ) {
    this.segments = infra.readStore.collection<SegmentDoc>('segments');
    this.checkpoints = infra.readStore.collection('checkpoints');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.segments.ensureIndexes([{ name: 'bot_name', fields: [['botId', 1], ['name', 1]] }]);
    this.handle = await this.infra.eventBus.consume(
      { name: CONSUMER, sources: ['segmentation'], resumeAfter: () => this.checkpoints.positionOf(CONSUMER) },
      (events) => this.project(events),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }

  async create(botId: string, name: string, filter: unknown, now = new Date()): Promise<Segment> {
    await this.search.validate(botId, filter);
    const segmentId = randomUUID();
    const outcome = await this.command(botId, segmentId, { type: 'CreateSegment', data: { botId, segmentId, name, filter }, metadata: { now: now.toISOString() } });
    return toSegment(outcome.state);
  }

  async update(botId: string, segmentId: string, changes: { name?: string; filter?: unknown }, now = new Date()): Promise<Segment> {
    if (changes.filter !== undefined) await this.search.validate(botId, changes.filter);
    const outcome = await this.command(botId, segmentId, { type: 'UpdateSegment', data: { botId, segmentId, ...changes }, metadata: { now: now.toISOString() } });
    return toSegment(outcome.state);
  }

  async delete(botId: string, segmentId: string, now = new Date()): Promise<void> {
    await this.command(botId, segmentId, { type: 'DeleteSegment', data: { botId, segmentId }, metadata: { now: now.toISOString() } });
  }

  /** Read from the stream: a segment is readable (and searchable) as soon as it is saved. */
  async get(botId: string, segmentId: string): Promise<Segment> {
    if (!/^[0-9a-f-]{36}$/i.test(segmentId)) throw new SegmentNotFoundError();
    const { state } = await loadAggregate(this.infra.eventStore, this.infra.codec, segmentDecider, streams.segment(botId, segmentId));
    if (!state.exists || state.deleted) throw new SegmentNotFoundError();
    return toSegment(state);
  }

  async list(botId: string): Promise<Segment[]> {
    const page = await this.segments.find({ filter: { field: 'botId', op: 'eq', value: botId }, sort: { field: 'name', order: 'asc' }, limit: 1000 });
    return page.items.map((d) => ({ id: d.id, botId: d.botId, name: d.name, filter: JSON.parse(d.filter), createdAt: d.createdAt, updatedAt: d.updatedAt }));
  }

  private command(botId: string, segmentId: string, command: SegmentCommand) {
    return handleCommand<SegmentCommand, SegmentEvent, SegmentState>(this.infra.eventStore, this.infra.codec, segmentDecider, streams.segment(botId, segmentId), command, {
      locks: this.locks,
    });
  }

  /** The list projection, guarded by position; the filter is kept as JSON text (its shape is the API's, not ours). */
  async project(events: readonly DeliveredEvent[]): Promise<void> {
    for (const event of events) {
      const data = event.data as { botId: string; segmentId: string; name?: string; filter?: unknown; at: string };
      if (event.type === SEGMENTATION_EVENTS.deleted) {
        await this.segments.delete(data.segmentId, event.position);
        continue;
      }
      const current = await this.segments.get(data.segmentId);
      if ((await this.segments.positionOf(data.segmentId) ?? -1n) >= event.position) continue;
      const base = current ?? { id: data.segmentId, botId: data.botId, name: '', filter: 'null', createdAt: data.at, updatedAt: data.at };
      await this.segments.upsert(
        { ...base, ...(data.name !== undefined ? { name: data.name } : {}), ...(data.filter !== undefined ? { filter: JSON.stringify(data.filter) } : {}), updatedAt: data.at },
        event.position,
      );
    }
    const last = events[events.length - 1];
    if (last) await this.checkpoints.upsert({ id: CONSUMER, position: last.position.toString() }, last.position);
  }
}

function toSegment(state: SegmentState): Segment {
  return { id: state.segmentId!, botId: state.botId!, name: state.name!, filter: state.filter, createdAt: state.createdAt!, updatedAt: state.updatedAt! };
}
