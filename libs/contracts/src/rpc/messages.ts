import { z } from 'zod';
import { channelSchema } from '../ingestion/normalized-event';
import type { Profile } from '../events/user-profile';

export const ingestRequestSchema = z.object({ botId: z.uuid(), body: z.unknown() });
export type IngestRequest = z.infer<typeof ingestRequestSchema>;
export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
}

/** One interaction to apply to a bot user; ingestion resolved the identity already. Time enters here. */
export const recordInteractionSchema = z.object({
  botId: z.uuid(),
  userId: z.uuid(),
  channel: channelSchema,
  channelUserId: z.string(),
  eventType: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  profile: z.record(z.string(), z.string()).optional(),
  /** Type-specific payload of the channel event (tag.added, field.set, sequence.*, otn.optin). */
  tag: z.string().optional(),
  key: z.string().optional(),
  value: z.unknown().optional(),
  sequenceId: z.string().optional(),
  sequenceName: z.string().optional(),
  topicId: z.string().optional(),
  topicName: z.string().optional(),
});
export type RecordInteraction = z.infer<typeof recordInteractionSchema>;
/** Most items user-profile takes in one `record-interactions` request (the InboundProcessor's chunks stay within it). */
export const MAX_INTERACTIONS_PER_REQUEST = 5000;
export const recordInteractionsRequestSchema = z.object({ items: z.array(recordInteractionSchema).max(MAX_INTERACTIONS_PER_REQUEST) });
export interface RecordInteractionsResult {
  readonly applied: number;
}

export const getUserRequestSchema = z.object({ botId: z.uuid(), userId: z.string() });

export const listUsersRequestSchema = z.object({
  botId: z.uuid(),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().max(2000).optional(),
});
export type ListUsersRequest = z.infer<typeof listUsersRequestSchema>;

/** A user summary (list items), api.md. */
export interface UserSummary extends Record<string, unknown> {
  id: string;
  botId: string;
  channel: string;
  channelUserId: string;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  gender: string | null;
  language: string | null;
  locale: string | null;
  timezone: string | null;
  profilePicUrl: string | null;
  status: 'subscribed' | 'unsubscribed';
  subscribedAt: string | null;
  lastInteractionAt: string;
  tags: string[];
  fields: Record<string, unknown>;
}

/** The user detail (api.md): the summary plus identities, notes, sequences, OTN topics and bookkeeping. */
export interface UserDetail extends UserSummary {
  phone: string | null;
  email: string | null;
  localTime: string | null;
  identities: { channel: string; channelUserId: string }[];
  notes: { id: string; text: string; createdAt: string; updatedAt: string }[];
  sequences: { id: string; name?: string; subscribedAt: string }[];
  otnTopics: { id: string; name?: string; optedInAt: string }[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type { Profile };

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
