import { z } from 'zod';
import { channelSchema, normalizedEventSchema } from '../ingestion/normalized-event';

/**
 * Ingestion's own events. `identity-<botId>-<pseudonym>` streams hold one IdentityClaimed each: the first append
 * (expected: no stream) wins, which makes identity resolution safe under concurrent first events.
 * `inbound-<botId>-<pseudonym>` streams hold one InboundEventAccepted each: the same eventId twice conflicts, which is
 * the de-duplication, and the accepted event is durable before the client gets its 202.
 */
export const INGESTION_EVENTS = {
  identityClaimed: 'ingestion.IdentityClaimed.v1',
  inboundAccepted: 'ingestion.InboundEventAccepted.v1',
  channelConnected: 'ingestion.ChannelConnected.v1',
  channelDisconnected: 'ingestion.ChannelDisconnected.v1',
  webhookRejected: 'ingestion.WebhookRejected.v1',
} as const;

export const CHANNEL_TYPES = ['messenger', 'instagram', 'whatsapp', 'twilio-sms', 'twilio-voice'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const WEBHOOK_PROVIDERS = ['meta', 'whatsapp', 'twilio-sms', 'twilio-voice'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

export const identityClaimedSchema = z.object({ botId: z.uuid(), userId: z.uuid(), channel: channelSchema });
export const inboundAcceptedSchema = z.object({
  botId: z.uuid(),
  userId: z.uuid(),
  receivedAt: z.iso.datetime({ offset: true }),
  event: normalizedEventSchema,
});
export type InboundAccepted = z.infer<typeof inboundAcceptedSchema>;
