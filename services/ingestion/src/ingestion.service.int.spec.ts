import { randomUUID } from 'node:crypto';
import { INGESTION_EVENTS } from '@roster/contracts';
import { createTestInfra, type TestInfra } from '@roster/platform';
import { IngestionService } from './ingestion.service';

describe('IngestionService', () => {
  let infra: TestInfra;
  let service: IngestionService;
  const botId = randomUUID();

  beforeEach(async () => {
    infra = await createTestInfra();
    service = new IngestionService(infra);
  });
  afterEach(async () => {
    await infra.dispose();
  });

  const event = (eventId: string, channelUserId = 'psid-1', extra: Record<string, unknown> = {}) => ({
    eventId,
    type: 'message.received',
    channel: 'messenger',
    channelUserId,
    occurredAt: '2026-11-01T10:00:00Z',
    ...extra,
  });

  async function accepted() {
    const all = await infra.eventStore.readAll();
    return Promise.all(all.filter((e) => e.type === INGESTION_EVENTS.inboundAccepted).map((e) => infra.codec.decode(e)));
  }

  it('resolves 200 concurrent first events of one channel user to one user id', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => service.ingest(botId, event(`e${i}`, 'crowd'))));
    expect(replies.every((r) => r.ok && r.value.accepted === 1)).toBe(true);
    const userIds = new Set((await accepted()).map((e) => (e.data as { userId: string }).userId));
    expect(userIds.size).toBe(1);
  });

  it('counts a repeated eventId once, within a batch and across requests', async () => {
    expect(await service.ingest(botId, { events: [event('a'), event('a'), event('b')] })).toEqual({ ok: true, value: { accepted: 2, duplicates: 1 } });
    expect(await service.ingest(botId, event('b'))).toEqual({ ok: true, value: { accepted: 0, duplicates: 1 } });
    expect(await service.ingest(randomUUID(), event('b'))).toEqual({ ok: true, value: { accepted: 1, duplicates: 0 } });
    expect(await accepted()).toHaveLength(3);
  });

  it('rejects a batch with one bad event, listing each problem, and records nothing', async () => {
    const reply = await service.ingest(botId, { events: [event('ok'), event('bad', 'x', { occurredAt: 'soon', channel: 'fax' })] });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.errors?.map((e) => e.path).sort()).toEqual(['events.1.channel', 'events.1.occurredAt']);
    expect(await infra.eventStore.readAll()).toHaveLength(0);
  });

  it('keeps channel identities and event ids out of stream names and stored data', async () => {
    await service.ingest(botId, event('evt-secret-id', '+31611112222', { profile: { email: 'ada@example.com' } }));
    const all = await infra.eventStore.readAll();
    const raw = JSON.stringify(all.map((e) => [e.streamName, e.data, e.metadata]));
    expect(raw).not.toContain('+31611112222');
    expect(raw).not.toContain('ada@example.com');
    expect(all.map((e) => e.streamName).join()).not.toContain('evt-secret-id');
  });
});
