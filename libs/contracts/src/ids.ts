import { z } from 'zod';

/** Ids we mint are UUIDs: opaque, no personal data. */
export const idSchema = z.uuid();
export const botIdSchema = idSchema;
export const userIdSchema = idSchema;

/** Stream names are built here only, from ids only (never personal data). */
export const streams = {
  botUser: (botId: string, userId: string) => `botUser-${botId}-${userId}`,
  bot: (botId: string) => `bot-${botId}`,
  /** A bot's tag catalog and custom field definitions (user-profile). */
  botCatalog: (botId: string) => `botCatalog-${botId}`,
  /** A saved segment (segmentation). */
  segment: (botId: string, segmentId: string) => `segment-${botId}-${segmentId}`,
  /** `key` is a pseudonym (HMAC) of the channel identity, never the identity itself. */
  identity: (botId: string, key: string) => `identity-${botId}-${key}`,
  /** A channel connection (ingestion): its secret is stored encrypted. */
  channel: (botId: string, connectionId: string) => `channel-${botId}-${connectionId}`,
  /** A webhook payload that was well signed but could not be used (kept for the record, without the payload). */
  rejectedWebhook: (id: string) => `rejectedWebhook-${id}`,
  /** `key` is a pseudonym (HMAC) of the client's eventId. */
  inbound: (botId: string, key: string) => `inbound-${botId}-${key}`,
} as const;

/** Which stream prefixes each service's store owns: the sources that the event bus relays and consumers name. */
export const SOURCES = {
  gateway: ['bot-'],
  ingestion: ['inbound-', 'identity-', 'channel-', 'rejectedWebhook-'],
  'user-profile': ['botUser-', 'botCatalog-'],
  segmentation: ['segment-'],
} as const satisfies Record<string, readonly string[]>;
export type SourceName = keyof typeof SOURCES;
