import {
  BACKWARDS,
  END,
  StreamDeletedError,
  StreamNotFoundError,
  jsonEvent,
  type JSONType,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import { jsonData } from '../append-validation';
import { EventStoreError, type RecordedEvent, type ReadStreamOptions, type SnapshotToWrite, type StreamFromSnapshot, type StreamSnapshot } from '../port';
import { INTERNAL_STREAM_PREFIX } from './kurrentdb-mapping';

const SNAPSHOT_TYPE = 'roster.SnapshotStored.v1';

interface SnapshotData {
  readonly revision: string;
  readonly eventId: string;
  readonly data: unknown;
}

type ReadStream = (streamName: string, options?: ReadStreamOptions) => Promise<RecordedEvent[]>;

/**
 * One internal stream per snapshotted stream (`roster-internal-snapshot-<stream>`, hidden from readers of $all like
 * the checkpoints), `$maxCount: 1`, the newest event wins. KurrentDB writes one stream at a time, so a snapshot is
 * checked on read: the stream read from the snapshot's revision must start with its event (same revision, same id);
 * a stream deleted and started again continues its revisions with other ids, so an old snapshot never fits it.
 */
export class KurrentDbSnapshots {
  constructor(
    private readonly client: KurrentDBClient,
    private readonly readStream: ReadStream,
  ) {}

  async read(streamName: string): Promise<StreamFromSnapshot> {
    const snapshot = await this.latest(streamName);
    if (snapshot) {
      const events = await this.readStream(streamName, { fromRevision: snapshot.revision });
      const first = events[0];
      if (first && first.revision === snapshot.revision && first.id === snapshot.eventId) return { snapshot, events: events.slice(1) };
    }
    return { events: await this.readStream(streamName) };
  }

  async write(snapshot: SnapshotToWrite): Promise<void> {
    const stream = snapshotStream(snapshot.streamName);
    const kept = await this.latest(snapshot.streamName);
    if (kept && kept.revision >= snapshot.revision) return;
    if (!kept) await this.limit(stream);
    const data: SnapshotData = { revision: snapshot.revision.toString(), eventId: snapshot.eventId, data: jsonData(snapshot.data) };
    await this.client.appendToStream(stream, jsonEvent({ type: SNAPSHOT_TYPE, data: data as unknown as JSONType }));
  }

  /** Soft delete, like the stream's own: the name can take snapshots again, the old one stays unreadable. */
  async delete(streamName: string): Promise<void> {
    try {
      await this.client.deleteStream(snapshotStream(streamName));
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return;
      throw error;
    }
  }

  private async latest(streamName: string): Promise<StreamSnapshot | undefined> {
    try {
      const read = this.client.readStream(snapshotStream(streamName), { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      for await (const resolved of read) {
        const data = resolved.event?.data;
        if (!isSnapshotData(data)) throw new EventStoreError(`snapshot of ${streamName}: the stored event is not a snapshot`);
        return { revision: BigInt(data.revision), eventId: data.eventId, data: data.data };
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return undefined;
      throw error;
    }
    return undefined;
  }

  /**
   * `$maxCount: 1`: readers see the newest snapshot only and a scavenge drops the older ones (a deleted snapshot is
   * hidden twice over, by that and by its delete's truncate-before). Merged into the metadata the stream has, so
   * that the truncate-before and anything an operator set (an ACL) stay.
   */
  private async limit(stream: string): Promise<void> {
    const { metadata } = await this.client.getStreamMetadata(stream);
    if (metadata?.maxCount === 1) return;
    await this.client.setStreamMetadata(stream, { ...metadata, maxCount: 1 });
  }
}

export function snapshotStream(streamName: string): string {
  return `${INTERNAL_STREAM_PREFIX}snapshot-${streamName}`;
}

function isSnapshotData(value: unknown): value is SnapshotData {
  if (typeof value !== 'object' || value === null) return false;
  const { revision, eventId } = value as { revision?: unknown; eventId?: unknown };
  return typeof revision === 'string' && /^\d+$/.test(revision) && typeof eventId === 'string' && 'data' in value;
}
