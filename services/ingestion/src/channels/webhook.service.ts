import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  INGESTION_EVENTS as E,
  streams,
  type ChannelType,
  type NormalizedEvent,
  type WebhookProvider,
  type WebhookRequest,
  type WebhookResponse,
} from '@roster/contracts';
import { INFRA, serviceMetrics, type Infra } from '@roster/platform';
import { IngestionService } from '../ingestion.service';
import {
  EMPTY_TWIML,
  mapMetaWebhook,
  mapTwilioSms,
  mapTwilioVoice,
  mapWhatsAppWebhook,
  metaVerificationChallenge,
  verifyMetaSignature,
  verifyTwilioSignature,
} from '../webhooks';
import { ChannelDirectory, type ConnectionRecord } from './channel-directory';

const OK_JSON: WebhookResponse = { status: 200, contentType: 'application/json', body: '{"received":true}' };
const UNAUTHORIZED: WebhookResponse = { status: 401, contentType: 'application/problem+json', body: JSON.stringify({ type: 'https://roster.dev/problems/401', title: 'Unauthorized', status: 401, detail: 'the signature does not match' }) };
const META_TYPES: ChannelType[] = ['messenger', 'instagram'];
const MAX_BATCH = 1000;

const PLATFORMS: readonly WebhookProvider[] = ['meta', 'whatsapp', 'twilio-sms', 'twilio-voice'];
/**
 * Why a well-signed payload (or one item of it) was not used — a fixed set, so that it can be a metric label:
 * `not_json` (the body does not parse), `unknown_account` (an entry names an account that is not connected, or that
 * did not sign), `unmappable` (the mapper found no usable event in an item: unsupported kind, missing ids or time),
 * `invalid_event` (mapped events failed ingestion's validation).
 */
export const WEBHOOK_REJECT_REASONS = ['not_json', 'unknown_account', 'unmappable', 'invalid_event'] as const;
export type WebhookRejectReason = (typeof WEBHOOK_REJECT_REASONS)[number];

/** Ingestion's webhook counters (labels: platform and a reason of the fixed set; never payload content or ids). */
export function webhookMetrics(infra: Infra) {
  const metrics = serviceMetrics(infra, 'ingestion');
  const rejected = metrics.counter({
    name: 'roster_webhooks_rejected_total',
    help: 'Well-signed webhook payloads or items that were acknowledged but not used, by platform and reason',
    labelNames: ['platform', 'reason'],
    zeroes: PLATFORMS.flatMap((platform) => WEBHOOK_REJECT_REASONS.map((reason) => ({ platform, reason }))),
  });
  const signatureFailures = metrics.counter({
    name: 'roster_webhook_signature_failures_total',
    help: 'Webhook requests refused with 401: the signature matches no connected account',
    labelNames: ['platform'],
    zeroes: PLATFORMS.map((platform) => ({ platform })),
  });
  return { rejected, signatureFailures };
}

/**
 * Native webhooks: verify the platform's signature with the connection's secret (nothing is recorded on a bad
 * signature), map the payload to normalized events and ingest them through the same path as the HTTP API (so
 * de-duplication by the platform's ids — mid, wamid, MessageSid, CallSid — and identity resolution are shared). A
 * well-signed payload that cannot be used is acknowledged, recorded as rejected with its reason, and counted.
 */
@Injectable()
export class WebhookService {
  private readonly metrics: ReturnType<typeof webhookMetrics>;

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly directory: ChannelDirectory,
    private readonly ingestion: IngestionService,
  ) {
    this.metrics = webhookMetrics(infra);
  }

  async handle(request: WebhookRequest, now = new Date()): Promise<WebhookResponse> {
    const raw = Buffer.from(request.rawBody, 'base64');
    switch (request.provider) {
      case 'meta':
        if (request.method === 'GET') return this.metaChallenge(request.query);
        return this.metaLike('meta', raw, request.signature, META_TYPES, (payload) => mapMetaWebhook(payload, now), now);
      case 'whatsapp':
        return this.metaLike('whatsapp', raw, request.signature, ['whatsapp'], (payload) => mapWhatsAppWebhook(payload, now), now);
      case 'twilio-sms':
      case 'twilio-voice':
        return this.twilio(request, raw, now);
    }
  }

  private metaChallenge(query: Record<string, string>): WebhookResponse {
    const tokens = this.directory.find([...META_TYPES, 'whatsapp']).flatMap((c) => (c.verifyToken ? [c.verifyToken] : []));
    const challenge = metaVerificationChallenge(query, tokens);
    return challenge === undefined
      ? { status: 403, contentType: 'application/problem+json', body: JSON.stringify({ type: 'https://roster.dev/problems/403', title: 'Forbidden', status: 403, detail: 'unknown verify token' }) }
      : { status: 200, contentType: 'text/plain', body: challenge };
  }

  /** Meta and WhatsApp: HMAC-SHA256 of the raw body with the app secret of the account(s) the payload names. */
  private async metaLike(
    platform: 'meta' | 'whatsapp',
    raw: Buffer,
    signature: string | undefined,
    types: ChannelType[],
    map: (payload: unknown) => { entries: { externalId: string; events: NormalizedEvent[] }[]; rejected: { reason: string }[] },
    now: Date,
  ): Promise<WebhookResponse> {
    const signedBy = (connections: ConnectionRecord[]) => connections.filter((c) => verifyMetaSignature(raw, signature, c.secret));
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      // Unparseable: only a signature by one of our accounts' secrets makes it worth recording.
      if (signedBy(this.directory.find(types)).length === 0) return this.unauthorized(platform);
      await this.reject(platform, 'not_json', undefined, 'the body is not JSON', now);
      return OK_JSON;
    }
    const mapped = map(payload);
    const named = mapped.entries.map((entry) => ({ entry, connection: this.directory.find(types, entry.externalId)[0] }));
    const candidates = named.flatMap((n) => (n.connection ? [n.connection] : []));
    const trusted = new Set(signedBy(candidates.length > 0 ? candidates : this.directory.find(types)).map((c) => c.id));
    if (trusted.size === 0) return this.unauthorized(platform);
    for (const { entry, connection } of named) {
      if (!connection || !trusted.has(connection.id)) {
        await this.reject(platform, 'unknown_account', connection?.botId, 'an entry names an account that is not connected', now);
        continue;
      }
      await this.ingestAll(platform, connection.botId, entry.events);
    }
    for (const rejected of mapped.rejected) await this.reject(platform, 'unmappable', candidates[0]?.botId, rejected.reason, now);
    return OK_JSON;
  }

  /** Twilio: HMAC-SHA1 over the public URL and the sorted form parameters, with the auth token of the `To` number. */
  private async twilio(request: WebhookRequest, raw: Buffer, now: Date): Promise<WebhookResponse> {
    const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    const type: ChannelType = request.provider === 'twilio-sms' ? 'twilio-sms' : 'twilio-voice';
    const connection = this.directory.find([type], params.To)[0];
    if (!connection || !verifyTwilioSignature(request.url, params, request.signature, connection.secret)) return this.unauthorized(type);
    const mapped = type === 'twilio-sms' ? mapTwilioSms(params, now) : mapTwilioVoice(params, now);
    if (mapped.event) await this.ingestAll(type, connection.botId, [mapped.event]);
    else await this.reject(type, 'unmappable', connection.botId, mapped.rejected.reason, now);
    return { status: 200, contentType: 'text/xml', body: EMPTY_TWIML };
  }

  private async ingestAll(platform: WebhookProvider, botId: string, events: readonly NormalizedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_BATCH) {
      const reply = await this.ingestion.ingest(botId, { events: events.slice(i, i + MAX_BATCH) });
      if (!reply.ok) {
        const detail = `mapped events did not validate: ${reply.error.errors?.map((e) => e.path).join(', ') ?? reply.error.message}`;
        await this.reject(platform, 'invalid_event', botId, detail, new Date());
      }
    }
  }

  private unauthorized(platform: WebhookProvider): WebhookResponse {
    this.metrics.signatureFailures.inc({ platform });
    return UNAUTHORIZED;
  }

  /**
   * Recorded without the payload (it may hold personal data): platform, bot (if known), the reason's detail (paths and
   * kinds), time; counted by platform and reason code.
   */
  private async reject(provider: WebhookProvider, code: WebhookRejectReason, botId: string | undefined, reason: string, now: Date): Promise<void> {
    this.metrics.rejected.inc({ platform: provider, reason: code });
    this.infra.logger.warn({ provider, botId, code, reason }, 'webhook payload rejected');
    const id = randomUUID();
    await this.infra.eventStore.appendToStream(streams.rejectedWebhook(id), [
      { id: randomUUID(), type: E.webhookRejected, data: { provider, botId: botId ?? null, reason, at: now.toISOString() } },
    ]);
  }
}
