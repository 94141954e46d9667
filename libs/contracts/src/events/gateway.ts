import { z } from 'zod';

/** Events of the `Bot` aggregate (stream `bot-<botId>`), owned by the gateway: tenants and their API keys. */
export const GATEWAY_EVENTS = {
  botCreated: 'gateway.BotCreated.v1',
  apiKeyIssued: 'gateway.ApiKeyIssued.v1',
} as const;

export const botCreatedSchema = z.object({
  botId: z.uuid(),
  name: z.string(),
  timezone: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});
/** Only the key's SHA-256 hash is ever stored; the key itself is shown once. */
export const apiKeyIssuedSchema = z.object({
  botId: z.uuid(),
  keyId: z.string(),
  keyHash: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
});

export type BotEvent =
  | { type: typeof GATEWAY_EVENTS.botCreated; data: z.infer<typeof botCreatedSchema> }
  | { type: typeof GATEWAY_EVENTS.apiKeyIssued; data: z.infer<typeof apiKeyIssuedSchema> };
