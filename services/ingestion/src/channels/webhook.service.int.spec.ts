import { createHmac, randomUUID } from 'node:crypto';
import { INGESTION_EVENTS, type WebhookRequest } from '@roster/contracts';
import { createTestInfra, serviceMetrics, type TestInfra } from '@roster/platform';
import { IngestionService } from '../ingestion.service';
import type { ChannelDirectory, ConnectionRecord } from './channel-directory';
import { WEBHOOK_REJECT_REASONS, WebhookService } from './webhook.service';

const PAGE = 'page-1';
const WA_NUMBER = 'wa-number-1';
const TWILIO_NUMBER = '+15550001111';
const SECRET = 'app-secret';
const TOKEN = 'twilio-token';
const URL = 'https://roster.example/webhooks/twilio/sms';

describe('WebhookService metrics', () => {
  let infra: TestInfra;
  let service: WebhookService;
  const botId = randomUUID();
  const connections: ConnectionRecord[] = [
    { id: 'c1', botId, type: 'messenger', externalId: PAGE, secret: SECRET, hasVerifyToken: false, createdAt: '2026-11-01T00:00:00Z' },
    { id: 'c2', botId, type: 'whatsapp', externalId: WA_NUMBER, secret: SECRET, hasVerifyToken: false, createdAt: '2026-11-01T00:00:00Z' },
    { id: 'c3', botId, type: 'twilio-sms', externalId: TWILIO_NUMBER, secret: TOKEN, hasVerifyToken: false, createdAt: '2026-11-01T00:00:00Z' },
  ];
  const directory = {
    find: (types: readonly string[], externalId?: string) => connections.filter((c) => types.includes(c.type) && (externalId === undefined || c.externalId === externalId)),
  } as unknown as ChannelDirectory;

  beforeEach(async () => {
    infra = await createTestInfra();
    service = new WebhookService(infra, directory, new IngestionService(infra));
  });
  afterEach(async () => {
    await infra.dispose();
  });

  const metrics = () => serviceMetrics(infra, 'ingestion');
  const rejected = (platform: string, reason: string) => metrics().value('roster_webhooks_rejected_total', { platform, reason });
  const signatureFailures = (platform: string) => metrics().value('roster_webhook_signature_failures_total', { platform });
  const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const meta = (provider: 'meta' | 'whatsapp', body: string, signature = sign(body)): WebhookRequest => ({
    provider,
    method: 'POST',
    url: `https://roster.example/webhooks/${provider}`,
    query: {},
    signature,
    rawBody: Buffer.from(body).toString('base64'),
  });
  const twilio = (params: Record<string, string>): WebhookRequest => {
    const base = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], URL);
    return { provider: 'twilio-sms', method: 'POST', url: URL, query: {}, signature: createHmac('sha1', TOKEN).update(base).digest('base64'), rawBody: Buffer.from(new URLSearchParams(params).toString()).toString('base64') };
  };
  const messengerMessage = (mid: string) =>
    JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: 1, messaging: [{ sender: { id: 'PSID-1' }, recipient: { id: PAGE }, timestamp: Date.parse('2026-11-01T10:00:00Z'), message: { mid, text: 'hi' } }] }] });

  it('starts every platform × reason series at 0', async () => {
    const text = await metrics().registry.metrics();
    for (const platform of ['meta', 'whatsapp', 'twilio-sms', 'twilio-voice']) {
      expect(text).toContain(`roster_webhook_signature_failures_total{platform="${platform}",service="ingestion"} 0`);
      for (const reason of WEBHOOK_REJECT_REASONS) expect(text).toContain(`roster_webhooks_rejected_total{platform="${platform}",reason="${reason}",service="ingestion"} 0`);
    }
  });

  it('counts a bad signature per platform (401), and records nothing', async () => {
    const body = messengerMessage('m_forged');
    expect((await service.handle(meta('meta', body, sign(body, 'wrong')))).status).toBe(401);
    expect((await service.handle(meta('meta', body, 'garbage'))).status).toBe(401);
    const params = { MessageSid: 'SM1', From: '+31611112222', To: TWILIO_NUMBER };
    expect((await service.handle({ ...twilio(params), signature: 'forged' })).status).toBe(401);
    expect(await signatureFailures('meta')).toBe(2);
    expect(await signatureFailures('twilio-sms')).toBe(1);
    expect(await signatureFailures('whatsapp')).toBe(0);
    expect(await infra.eventStore.readAll()).toEqual([]);
  });

  it('counts well-signed payloads it cannot use by platform and reason, and records each rejection', async () => {
    const notJson = '{"object": "page", ';
    expect((await service.handle(meta('meta', notJson))).status).toBe(200);
    const unsupported = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: 1, messaging: [{ sender: { id: 'X' }, something: 'unknown' }] }] });
    expect((await service.handle(meta('meta', unsupported))).status).toBe(200);
    const item = (page: string, mid: string) => ({ sender: { id: 'PSID-2' }, recipient: { id: page }, timestamp: Date.parse('2026-11-01T10:00:00Z'), message: { mid, text: 'x' } });
    const otherAccount = JSON.stringify({ object: 'page', entry: [{ id: 'not-connected', time: 1, messaging: [item('not-connected', 'm_a')] }, { id: PAGE, time: 1, messaging: [item(PAGE, 'm_b')] }] });
    expect((await service.handle(meta('meta', otherAccount))).status).toBe(200);
    const waSystemMessage = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { metadata: { phone_number_id: WA_NUMBER }, messages: [{ from: '316', id: 'wamid.1', type: 'system' }] } }] }],
    });
    expect((await service.handle(meta('whatsapp', waSystemMessage))).status).toBe(200);
    expect((await service.handle(twilio({ MessageSid: 'SM2', From: 'whatsapp:+316', To: TWILIO_NUMBER }))).status).toBe(200);

    expect(await rejected('meta', 'not_json')).toBe(1);
    expect(await rejected('meta', 'unmappable')).toBe(1);
    expect(await rejected('meta', 'unknown_account')).toBe(1);
    expect(await rejected('whatsapp', 'unmappable')).toBe(1);
    expect(await rejected('twilio-sms', 'unmappable')).toBe(1);
    expect(await rejected('meta', 'invalid_event')).toBe(0);
    const recorded = (await infra.eventStore.readAll()).filter((e) => e.type === INGESTION_EVENTS.webhookRejected);
    const total = (await metrics().families()).find((f) => f.name === 'roster_webhooks_rejected_total')!.values.reduce((sum, v) => sum + (v.value ?? 0), 0);
    expect(recorded).toHaveLength(total);
    expect(recorded.map((e) => (e.data as { provider: string }).provider).sort()).toEqual(expect.arrayContaining(['meta', 'twilio-sms', 'whatsapp']));
    // Labels hold only the fixed sets: no payload content, account or user ids.
    const text = await metrics().registry.metrics();
    for (const secretish of ['not-connected', 'PSID', '+316', 'wamid', botId]) expect(text).not.toContain(secretish);
  });

  it('counts the events a webhook delivers as accepted, and a redelivery as duplicate', async () => {
    const body = messengerMessage('m_1');
    expect((await service.handle(meta('meta', body))).status).toBe(200);
    expect((await service.handle(meta('meta', body))).status).toBe(200);
    expect(await metrics().value('roster_events_ingested_total', { outcome: 'accepted' })).toBe(1);
    expect(await metrics().value('roster_events_ingested_total', { outcome: 'duplicate' })).toBe(1);
  });
});
