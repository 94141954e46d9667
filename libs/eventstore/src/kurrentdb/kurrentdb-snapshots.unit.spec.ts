import { StreamNotFoundError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, ReadStreamOptions } from '../port';
import { KurrentDbSnapshots, snapshotStream } from './kurrentdb-snapshots';

/**
 * The parts of the client KurrentDbSnapshots uses, over memory, with the server's soft-delete rule: a deleted stream
 * reads as not found, and appending again continues its revisions behind a truncate-before kept in its metadata.
 * (The conformance suite runs the real thing against a KurrentDB server where one is reachable.)
 */
class FakeClient {
  readonly streams = new Map<string, { data: unknown }[]>();
  readonly metadata = new Map<string, Record<string, unknown>>();
  readonly deleted = new Set<string>();

  readStream(stream: string, options: { maxCount: number }) {
    const events = this.visible(stream);
    return (async function* () {
      if (events === undefined) throw Object.assign(Object.create(StreamNotFoundError.prototype) as object, { message: 'not found' });
      for (const event of events.slice(-options.maxCount).reverse()) yield { event: { data: event.data } };
    })();
  }

  async appendToStream(stream: string, event: { data: unknown }) {
    const events = this.streams.get(stream) ?? [];
    events.push({ data: event.data });
    this.streams.set(stream, events);
    this.deleted.delete(stream);
    const maxCount = this.metadata.get(stream)?.['maxCount'];
    if (maxCount === 1) this.metadata.set(stream, { ...this.metadata.get(stream), truncateBefore: Math.max(Number(this.metadata.get(stream)?.['truncateBefore'] ?? 0), events.length - 1) });
  }

  async getStreamMetadata(stream: string) {
    return { streamName: stream, metadata: this.metadata.get(stream) };
  }

  async setStreamMetadata(stream: string, metadata: Record<string, unknown>) {
    this.metadata.set(stream, { ...metadata });
  }

  async deleteStream(stream: string) {
    const events = this.streams.get(stream);
    if (!events) throw Object.create(StreamNotFoundError.prototype) as Error;
    this.deleted.add(stream);
    // The harsher reading of the server: the delete's metadata holds the truncate-before alone.
    this.metadata.set(stream, { truncateBefore: events.length });
  }

  private visible(stream: string) {
    const events = this.streams.get(stream);
    if (!events || this.deleted.has(stream)) return undefined;
    return events.slice(Number(this.metadata.get(stream)?.['truncateBefore'] ?? 0));
  }
}

const event = (revision: number, id: string): RecordedEvent => ({
  id,
  type: 't',
  streamName: 's',
  revision: BigInt(revision),
  position: BigInt(revision),
  data: {},
  metadata: {},
  recordedAt: '2026-12-06T00:00:00.000Z',
});

describe('KurrentDbSnapshots', () => {
  let client: FakeClient;
  let stream: RecordedEvent[];
  let snapshots: KurrentDbSnapshots;

  beforeEach(() => {
    client = new FakeClient();
    stream = [event(0, 'e0'), event(1, 'e1'), event(2, 'e2')];
    const readStream = async (_name: string, options?: ReadStreamOptions) => stream.filter((e) => e.revision >= (options?.fromRevision ?? 0n));
    snapshots = new KurrentDbSnapshots(client as unknown as KurrentDBClient, readStream);
  });

  it('keeps the newest snapshot in a stream of its own with $maxCount 1, and reads it with the events after it', async () => {
    await snapshots.write({ streamName: 's', revision: 1n, eventId: 'e1', data: { at: 1 } });
    await snapshots.write({ streamName: 's', revision: 0n, eventId: 'e0', data: { at: 0 } });

    expect(client.metadata.get(snapshotStream('s'))).toMatchObject({ maxCount: 1 });
    expect(client.streams.get(snapshotStream('s'))).toHaveLength(1);
    expect(await snapshots.read('s')).toEqual({ snapshot: { revision: 1n, eventId: 'e1', data: { at: 1 } }, events: [stream[2]] });
  });

  it('reads the stream whole when the event at the snapshot revision is not the snapshot event (a restarted stream)', async () => {
    await snapshots.write({ streamName: 's', revision: 1n, eventId: 'e1', data: { at: 1 } });
    stream = [event(1, 'other'), event(2, 'e2')];
    expect(await snapshots.read('s')).toEqual({ events: stream });
    stream = [];
    expect(await snapshots.read('s')).toEqual({ events: [] });
  });

  it('hides a deleted snapshot for good: the next one keeps the truncate-before its delete set and $maxCount 1', async () => {
    await snapshots.write({ streamName: 's', revision: 1n, eventId: 'e1', data: { erased: true } });
    await snapshots.delete('s');
    await snapshots.delete('s');
    expect(await snapshots.read('s')).toEqual({ events: stream });

    await snapshots.write({ streamName: 's', revision: 0n, eventId: 'e0', data: { fresh: true } });
    expect((await snapshots.read('s')).snapshot).toEqual({ revision: 0n, eventId: 'e0', data: { fresh: true } });
    expect(client.metadata.get(snapshotStream('s'))).toMatchObject({ maxCount: 1, truncateBefore: 1 });
  });
});
