import { z } from 'zod';
import { FIELD_KEY_PATTERN, FIELD_TYPES, type FieldType, type FieldValue } from '../events/user-profile';

/**
 * Messages of the bot user record (issue "Bot user record"): operator edits through the gateway, catalogs, history.
 * Every edit names who made it; the gateway passes the operator's API key id (never the key).
 */
export const actorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('operator'), keyId: z.string().max(100) }),
  z.object({ kind: z.literal('channel'), eventType: z.string().max(100) }),
  z.object({ kind: z.literal('import'), jobId: z.string().max(100) }),
]);
export type Actor = z.infer<typeof actorSchema>;

export const MAX_TAG_LENGTH = 100;
export const MAX_NOTE_LENGTH = 10_000;
export const MAX_TEXT_FIELD_LENGTH = 4096;

const userTarget = { botId: z.uuid(), userId: z.string().max(100), actor: actorSchema };
export const tagNameSchema = z.string().trim().min(1, 'a tag name cannot be empty').max(MAX_TAG_LENGTH);
export const fieldKeySchema = z.string().regex(FIELD_KEY_PATTERN, 'keys are lower-case letters, digits and "_", starting with a letter, at most 64');
export const noteTextSchema = z.string().min(1, 'a note cannot be empty').max(MAX_NOTE_LENGTH);

export const userTagRequestSchema = z.object({ ...userTarget, tag: tagNameSchema });
export const setFieldRequestSchema = z.object({ ...userTarget, key: z.string().max(100), value: z.unknown() });
export const clearFieldRequestSchema = z.object({ ...userTarget, key: z.string().max(100) });
export const addNoteRequestSchema = z.object({ ...userTarget, text: noteTextSchema });
export const editNoteRequestSchema = z.object({ ...userTarget, noteId: z.string().max(100), text: noteTextSchema });
export const deleteNoteRequestSchema = z.object({ ...userTarget, noteId: z.string().max(100) });
export const removeSequenceRequestSchema = z.object({ ...userTarget, sequenceId: z.string().min(1).max(200) });
export const removeOtnTopicRequestSchema = z.object({ ...userTarget, topicId: z.string().min(1).max(200) });
export const historyRequestSchema = z.object({
  botId: z.uuid(),
  userId: z.string().max(100),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const botOnlyRequestSchema = z.object({ botId: z.uuid() });
export const defineTagRequestSchema = z.object({ botId: z.uuid(), name: tagNameSchema });
export const defineFieldRequestSchema = z.object({
  botId: z.uuid(),
  key: fieldKeySchema,
  label: z.string().trim().min(1).max(200).optional(),
  type: z.enum(FIELD_TYPES),
});

export interface Note {
  id: string;
  text: string;
  createdAt: string;
  updatedAt: string;
}
export interface TagDefinition {
  name: string;
  createdAt: string;
}
export interface FieldDefinition {
  key: string;
  label: string | null;
  type: FieldType;
  createdAt: string;
}
export type { FieldValue };

/** One entry of a user's history: what changed, when, and from where. Personal values as they are now. */
export interface HistoryEntry {
  id: string;
  at: string;
  recordedAt: string;
  change: string;
  source: Actor | { kind: 'system' };
  details: Record<string, unknown>;
}
