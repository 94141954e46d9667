import { z } from 'zod';
import { CHANNEL_TYPES, WEBHOOK_PROVIDERS, type ChannelType } from '../events/ingestion';

/** A channel connection maps a platform account (page, IG account, WhatsApp number id, Twilio number) to a bot. */
export const connectChannelRequestSchema = z.object({
  botId: z.uuid(),
  type: z.enum(CHANNEL_TYPES),
  externalId: z.string().trim().min(1).max(200),
  secret: z.string().min(1).max(500),
  verifyToken: z.string().min(1).max(500).optional(),
});
export const channelRefRequestSchema = z.object({ botId: z.uuid(), connectionId: z.string().max(100) });

/** What the API shows of a connection: never the secret or the verify token. */
export interface ChannelConnection {
  id: string;
  botId: string;
  type: ChannelType;
  externalId: string;
  hasVerifyToken: boolean;
  createdAt: string;
}

/** A platform webhook as the gateway received it: the raw body (base64) is what signatures are computed over. */
export const webhookRequestSchema = z.object({
  provider: z.enum(WEBHOOK_PROVIDERS),
  method: z.enum(['GET', 'POST']),
  /** The full public URL the platform called (Twilio signs it). */
  url: z.string().max(4000),
  query: z.record(z.string(), z.string()),
  signature: z.string().max(500).optional(),
  rawBody: z.string().max(20_000_000),
});
export type WebhookRequest = z.infer<typeof webhookRequestSchema>;

/** How the gateway answers the platform. */
export interface WebhookResponse {
  status: number;
  contentType: string;
  body: string;
}
