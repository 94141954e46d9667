import { createHmac } from 'node:crypto';
import { parsePrometheusText, type ParsedFamily } from '@roster/platform';
import { describeWhen, natsProbeFromSetup, natsUrl, waitFor } from '@roster/testing';
import { Api, createBot, event, type TestBot } from './support/api';
import { SERVICES, startDistributed, startEmbedded, type Deployment } from './support/deployment';

/** `GET /metrics` end to end (issue "Channel ingestion": rejected webhooks are counted in metrics), in both modes. */
function metricsSuite(mode: 'embedded' | 'distributed', start: () => Promise<Deployment>): void {
  describe(`Prometheus metrics end to end (${mode})`, () => {
    jest.setTimeout(60_000);
    let deployment: Deployment;
    let admin: Api;
    let bot: TestBot;
    const PAGE = `page-${Date.now()}`;
    const APP_SECRET = 'meta-app-secret-for-metrics';

    beforeAll(async () => {
      deployment = await start();
      admin = new Api(deployment.baseUrl, deployment.adminKey);
      bot = await createBot(admin, 'Metrics bot');
      expect((await bot.api.post(`/v1/bots/${bot.id}/channels`, { type: 'messenger', externalId: PAGE, secret: APP_SECRET })).status).toBe(201);
    }, 120_000);

    afterAll(async () => {
      await deployment?.stop();
    }, 60_000);

    /** One scrape, parsed strictly (throws on anything Prometheus would reject, duplicated series included). */
    const scrape = async (): Promise<Map<string, ParsedFamily>> => {
      const res = await admin.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      return parsePrometheusText(res.text);
    };
    const value = (families: Map<string, ParsedFamily>, name: string, labels: Record<string, string>): number => {
      const sample = families.get(name)?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      return sample?.value ?? 0;
    };
    const sign = (body: string, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const postMeta = (body: string, signature: string) => new Api(deployment.baseUrl).post('/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': signature });

    it('answers 401 problem+json without the admin key, and 404 to a bot key', async () => {
      const anonymous = await new Api(deployment.baseUrl).get('/metrics');
      expect(anonymous.status).toBe(401);
      expect(anonymous.contentType).toContain('application/problem+json');
      expect(anonymous.json).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect((await new Api(deployment.baseUrl, 'not-the-admin-key').get('/metrics')).status).toBe(401);
      expect((await bot.api.get('/metrics')).status).toBe(404);
    });

    it('gathers every service once: scrape_up 1 for each, process metrics once per process', async () => {
      const families = await scrape();
      for (const service of SERVICES) expect(value(families, 'roster_metrics_scrape_up', { service })).toBe(1);
      const processes = families.get('process_cpu_seconds_total')!.samples.map((s) => s.labels.service).sort();
      expect(processes).toEqual(mode === 'embedded' ? ['all-in-one'] : [...SERVICES].sort());
      expect(families.get('roster_webhooks_rejected_total')!.type).toBe('counter');
      expect(families.get('roster_http_request_duration_seconds')!.type).toBe('histogram');
    });

    it('counts a well-signed unusable webhook by platform and reason, and a bad signature', async () => {
      const before = await scrape();
      const unusable = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: 'PSID-M' }, something: 'unknown' }] }] });
      expect((await postMeta(unusable, sign(unusable))).status).toBe(200);
      const forged = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: [] }] });
      expect((await postMeta(forged, sign(forged, 'wrong-secret'))).status).toBe(401);

      const after = await scrape();
      const rejected = { platform: 'meta', reason: 'unmappable', service: 'ingestion' };
      expect(value(after, 'roster_webhooks_rejected_total', rejected) - value(before, 'roster_webhooks_rejected_total', rejected)).toBe(1);
      const failures = { platform: 'meta', service: 'ingestion' };
      expect(value(after, 'roster_webhook_signature_failures_total', failures) - value(before, 'roster_webhook_signature_failures_total', failures)).toBe(1);
      for (const other of ['not_json', 'unknown_account', 'invalid_event']) {
        expect(value(after, 'roster_webhooks_rejected_total', { platform: 'meta', reason: other })).toBe(value(before, 'roster_webhooks_rejected_total', { platform: 'meta', reason: other }));
      }
    });

    it('counts accepted and duplicate events, and HTTP requests by route template; labels carry no ids', async () => {
      const before = await scrape();
      const one = event();
      expect((await bot.api.post(`/v1/bots/${bot.id}/events`, one)).json).toEqual({ accepted: 1, duplicates: 0 });
      expect((await bot.api.post(`/v1/bots/${bot.id}/events`, one)).json).toEqual({ accepted: 0, duplicates: 1 });
      const after = await scrape();
      const delta = (outcome: string) =>
        value(after, 'roster_events_ingested_total', { outcome, service: 'ingestion' }) - value(before, 'roster_events_ingested_total', { outcome, service: 'ingestion' });
      expect([delta('accepted'), delta('duplicate')]).toEqual([1, 1]);
      // Counted when the answer has been sent (Fastify's onResponse), which may be a moment after the client has it.
      const route = { method: 'POST', route: '/v1/bots/:botId/events', status_class: '2xx', service: 'gateway' };
      await waitFor(async () => value(await scrape(), 'roster_http_requests_total', route) - value(before, 'roster_http_requests_total', route) === 2, { what: 'two counted requests' });
      const text = (await admin.get('/metrics')).text;
      for (const id of [bot.id, bot.keyId, PAGE, one.channelUserId, 'PSID-M']) expect(text).not.toContain(id);
    });

    if (mode === 'embedded') {
      it('runs segmentation, user-profile and ingestion in worker threads of their own by default, the others in the main thread', async () => {
        const families = await scrape();
        const thread = (service: string) => value(families, 'roster_service_thread_id', { service });
        const workers = ['segmentation', 'user-profile', 'ingestion'];
        for (const service of workers) expect(thread(service)).toBeGreaterThan(0);
        expect(new Set(workers.map(thread)).size).toBe(3);
        for (const service of SERVICES.filter((s) => !workers.includes(s))) expect(thread(service)).toBe(0);
        expect(value(families, 'roster_thread_heap_used_bytes', { service: 'segmentation' })).toBeGreaterThan(0);
        const used = value(families, 'roster_thread_heap_used_bytes', { service: 'user-profile' });
        expect(value(families, 'roster_thread_heap_committed_bytes', { service: 'user-profile' })).toBeGreaterThanOrEqual(used);
        expect(value(families, 'roster_thread_external_bytes', { service: 'user-profile' })).toBeGreaterThan(0);
      });
    }

    if (mode === 'distributed') {
      it('reports a service that does not answer as scrape_up 0 instead of failing the scrape', async () => {
        await deployment.kill!('import');
        const families = await scrape();
        expect(value(families, 'roster_metrics_scrape_up', { service: 'import' })).toBe(0);
        expect(value(families, 'roster_metrics_scrape_up', { service: 'ingestion' })).toBe(1);
        expect(families.get('process_cpu_seconds_total')!.samples.map((s) => s.labels.service)).not.toContain('import');
        await deployment.start!('import');
        await waitFor(async () => value(await scrape(), 'roster_metrics_scrape_up', { service: 'import' }) === 1, { what: 'import answering again' });
      });
    }
  });
}

metricsSuite('embedded', () => startEmbedded());

describe('embedded mode with services in several worker threads', () => {
  jest.setTimeout(60_000);
  let deployment: Deployment;
  afterAll(async () => {
    await deployment?.stop();
  }, 60_000);

  it('places services as ROSTER_WORKER_SERVICES says, and an event still travels ingestion → user-profile → the list', async () => {
    deployment = await startEmbedded({ ROSTER_WORKER_SERVICES: 'segmentation, user-profile+import' });
    const admin = new Api(deployment.baseUrl, deployment.adminKey);
    const families = parsePrometheusText((await admin.get('/metrics')).text);
    const thread = (service: string) => families.get('roster_service_thread_id')?.samples.find((s) => s.labels.service === service)?.value;
    expect([thread('gateway'), thread('ingestion'), thread('compliance')]).toEqual([0, 0, 0]);
    expect(thread('segmentation')).toBeGreaterThan(0);
    expect(thread('user-profile')).toBeGreaterThan(0);
    expect(thread('user-profile')).not.toBe(thread('segmentation'));
    expect(thread('import')).toBe(thread('user-profile'));

    const bot = await createBot(admin, 'Threads bot');
    const one = event();
    expect((await bot.api.post(`/v1/bots/${bot.id}/events`, one)).status).toBe(202);
    const listed = await waitFor(async () => (await bot.api.get(`/v1/bots/${bot.id}/users?limit=50`)).json.items[0], { what: 'the user in the list' });
    expect((await bot.api.get(`/v1/bots/${bot.id}/users/${listed.id}`)).status).toBe(200);
  });
});

describeWhen(natsProbeFromSetup(), 'metrics over NATS', () => {
  metricsSuite('distributed', () => startDistributed(natsUrl()));
});
