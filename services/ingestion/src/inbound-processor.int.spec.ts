import { randomUUID } from 'node:crypto';
import { INGESTION_EVENTS, MAX_EVENTS_PER_BATCH, SUBJECTS, type RecordInteraction } from '@roster/contracts';
import type { DeliveredEvent } from '@roster/messaging';
import { createTestInfra, type Infra, type TestInfra } from '@roster/platform';
import { CHUNK, InboundProcessor, MAX_REQUEST_BYTES } from './inbound-processor';
import { IngestionService } from './ingestion.service';
import { RecentlyAccepted } from './recently-accepted';

/**
 * The processor forwards accepted events to user-profile. Its consumer may see batches twice or out of order; what it
 * sends must then still lead to the same users (user-profile's decisions are idempotent, covered there) and it must
 * advance its durable checkpoint.
 */
describe('InboundProcessor', () => {
  let infra: TestInfra;
  let sent: RecordInteraction[][];
  let processor: InboundProcessor;
  const botId = randomUUID();

  beforeEach(async () => {
    infra = await createTestInfra();
    sent = [];
    const rpc = {
      request: async (subject: string, payload: { items: RecordInteraction[] }) => {
        expect(subject).toBe(SUBJECTS.userProfile.recordInteractions);
        sent.push(payload.items);
        return { applied: payload.items.length };
      },
    };
    processor = new InboundProcessor({ ...infra, rpc } as unknown as Infra);
  });
  afterEach(async () => {
    await infra.dispose();
  });

  async function acceptedEvents(recent?: RecentlyAccepted): Promise<DeliveredEvent[]> {
    const ingestion = new IngestionService(infra, recent);
    await ingestion.ingest(botId, {
      events: [
        { eventId: 'a', type: 'message.received', channel: 'sms', channelUserId: '+31600000001', occurredAt: '2026-11-01T10:00:00+01:00', profile: { firstName: 'Ada' } },
        { eventId: 'b', type: 'user.unsubscribed', channel: 'sms', channelUserId: '+31600000001', occurredAt: '2026-11-01T11:00:00Z' },
      ],
    });
    const all = await infra.eventStore.readAll();
    return all.filter((e) => e.type === INGESTION_EVENTS.inboundAccepted).map((e) => ({ ...e, source: 'ingestion' }));
  }

  it('sends each accepted event as a decoded interaction with a UTC time, and checkpoints the batch', async () => {
    const events = await acceptedEvents();
    await processor.apply(events);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual([
      expect.objectContaining({ botId, channel: 'sms', channelUserId: '+31600000001', eventType: 'message.received', occurredAt: '2026-11-01T09:00:00.000Z', profile: { firstName: 'Ada' } }),
      expect.objectContaining({ eventType: 'user.unsubscribed', occurredAt: '2026-11-01T11:00:00.000Z' }),
    ]);
    expect(new Set(sent[0]!.map((i) => i.userId)).size).toBe(1);
    expect(await infra.eventStore.readCheckpoint('ingestion-inbound-processor')).toBe(events[1]!.position);
  });

  it('sends the same interactions again on redelivery and never moves its checkpoint backwards past what a later batch set', async () => {
    const events = await acceptedEvents();
    await processor.apply(events);
    await processor.apply(events);
    expect(sent[1]).toEqual(sent[0]);
    await processor.apply([events[1]!, events[0]!]);
    expect(sent[2]!.map((i) => i.eventType)).toEqual(['user.unsubscribed', 'message.received']);
    await processor.apply([events[0]!]);
    expect(await infra.eventStore.readCheckpoint('ingestion-inbound-processor')).toBe(events[1]!.position);
  });

  it('takes what its own process just recorded without decrypting it, sends what decoding sends, and decodes a redelivery', async () => {
    const decoded = await acceptedEvents();
    await processor.apply(decoded);
    const recent = new RecentlyAccepted();
    const events = await acceptedEvents(recent);
    expect(recent.size).toBe(0); // the same event ids again: duplicates, nothing new to remember
    const fresh = { events: [{ eventId: 'c', type: 'message.received', channel: 'sms', channelUserId: '+31600000002', occurredAt: '2026-11-01T12:00:00Z', profile: { firstName: 'Grace' } }] };
    await new IngestionService(infra, recent).ingest(botId, fresh);
    expect(recent.size).toBe(1);
    const all = (await infra.eventStore.readAll()).filter((e) => e.type === INGESTION_EVENTS.inboundAccepted).map((e) => ({ ...e, source: 'ingestion' }));
    const decrypt = jest.spyOn(infra.pii, 'decrypt');
    const withRecent = new InboundProcessor({ ...infra, rpc: { request: async (_: string, p: { items: RecordInteraction[] }) => void sent.push(p.items) } } as unknown as Infra, recent);

    await withRecent.apply([all[2]!]);
    expect(decrypt).not.toHaveBeenCalled();
    expect(recent.size).toBe(0);
    expect(sent[1]).toEqual([expect.objectContaining({ channelUserId: '+31600000002', eventType: 'message.received', occurredAt: '2026-11-01T12:00:00.000Z', profile: { firstName: 'Grace' } })]);

    await withRecent.apply([all[2]!]);
    expect(decrypt).toHaveBeenCalled();
    expect(sent[2]).toEqual(sent[1]);
    await withRecent.apply(events);
    expect(sent[3]).toEqual(sent[0]);
  });

  it('forgets what it holds of a user on request (erasure)', async () => {
    const recent = new RecentlyAccepted();
    await acceptedEvents(recent);
    expect(recent.size).toBe(2);
    const [event] = await acceptedEvents();
    recent.forgetUser((event!.data as { userId: string }).userId);
    expect(recent.size).toBe(0);
  });

  it('sends a large batch in chunks, in order, one at a time, and checkpoints only when the last is applied', async () => {
    const count = 2 * CHUNK + 7;
    const ingestion = new IngestionService(infra);
    const all = Array.from({ length: count }, (_, i) => ({
      eventId: `e${i}`,
      type: 'message.received',
      channel: 'sms',
      channelUserId: `+316${String(i % 40).padStart(8, '0')}`,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
    }));
    for (let i = 0; i < count; i += MAX_EVENTS_PER_BATCH) {
      expect((await ingestion.ingest(botId, { events: all.slice(i, i + MAX_EVENTS_PER_BATCH) })).ok).toBe(true);
    }
    const events = (await infra.eventStore.readAll()).filter((e) => e.type === INGESTION_EVENTS.inboundAccepted).map((e) => ({ ...e, source: 'ingestion' }));
    let inFlight = 0;
    let overlapped = false;
    const chunks: RecordInteraction[][] = [];
    const checkpointed: (bigint | undefined)[] = [];
    // Decoded while user-profile applies the chunk before: by the end of each request the next chunk is being decoded.
    const decodes = jest.spyOn(infra.codec, 'decodeAll');
    const decodedBy: number[] = [];
    const slow = {
      request: async (_: string, payload: { items: RecordInteraction[] }) => {
        overlapped ||= inFlight > 0;
        inFlight++;
        checkpointed.push(await infra.eventStore.readCheckpoint('ingestion-inbound-processor'));
        await new Promise((resolve) => setTimeout(resolve, 5));
        chunks.push(payload.items);
        decodedBy.push(decodes.mock.calls.length);
        inFlight--;
      },
    };
    await new InboundProcessor({ ...infra, rpc: slow } as unknown as Infra).apply(events);
    expect(chunks.map((items) => items.length)).toEqual([CHUNK, CHUNK, 7]);
    expect(overlapped).toBe(false);
    expect(decodedBy).toEqual([2, 3, 3]);
    expect(chunks.flat().map((item) => item.occurredAt)).toEqual(events.map((_, i) => new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString()));
    expect(checkpointed).toEqual([undefined, undefined, undefined]);
    expect(await infra.eventStore.readCheckpoint('ingestion-inbound-processor')).toBe(events[count - 1]!.position);

    // A chunk user-profile did not take fails the batch: nothing is checkpointed, the rest is not sent.
    const fresh = await createTestInfra();
    try {
      let calls = 0;
      const second = { request: async () => (++calls === 2 ? Promise.reject(new Error('no responders')) : undefined) };
      await expect(new InboundProcessor({ ...infra, eventStore: fresh.eventStore, rpc: second } as unknown as Infra).apply(events)).rejects.toThrow('no responders');
      expect(calls).toBe(2);
      expect(await fresh.eventStore.readCheckpoint('ingestion-inbound-processor')).toBeUndefined();
    } finally {
      await fresh.dispose();
    }
  });

  it('sends a chunk whose items exceed MAX_REQUEST_BYTES as several requests, in order, each within the bound', async () => {
    // Profiles near the schema's limits (~3 KB an item): a few hundred such items already pass NATS's 1 MiB default.
    const count = 400;
    const ingestion = new IngestionService(infra);
    const long = (i: number, n: number) => `${i}`.padEnd(n, 'x');
    expect(
      (
        await ingestion.ingest(botId, {
          events: Array.from({ length: count }, (_, i) => ({
            eventId: `big${i}`,
            type: 'message.received',
            channel: 'messenger',
            channelUserId: `psid-${i}`,
            occurredAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
            profile: { firstName: long(i, 200), lastName: long(i, 200), name: long(i, 400), profilePicUrl: `https://cdn.example.com/${long(i, 2000)}` },
          })),
        })
      ).ok,
    ).toBe(true);
    const events = (await infra.eventStore.readAll()).filter((e) => e.type === INGESTION_EVENTS.inboundAccepted).map((e) => ({ ...e, source: 'ingestion' }));
    expect(events).toHaveLength(count);
    const requests: RecordInteraction[][] = [];
    const rpc = { request: async (_: string, payload: { items: RecordInteraction[] }) => void requests.push(payload.items) };
    await new InboundProcessor({ ...infra, rpc } as unknown as Infra).apply(events);
    expect(requests.length).toBeGreaterThan(1);
    for (const items of requests) expect(Buffer.byteLength(JSON.stringify(items))).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(requests.flat().map((item) => item.channelUserId)).toEqual(events.map((_, i) => `psid-${i}`));
    expect(await infra.eventStore.readCheckpoint('ingestion-inbound-processor')).toBe(events[count - 1]!.position);
  });

  it('does not checkpoint a batch that user-profile did not take (it is delivered again)', async () => {
    const events = await acceptedEvents();
    const failing = new InboundProcessor({ ...infra, rpc: { request: async () => Promise.reject(new Error('no responders')) } } as unknown as Infra);
    await expect(failing.apply(events)).rejects.toThrow('no responders');
    expect(await infra.eventStore.readCheckpoint('ingestion-inbound-processor')).toBeUndefined();
  });
});
