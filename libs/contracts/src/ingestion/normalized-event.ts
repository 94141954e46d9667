import { z } from 'zod';

/** Channels a bot user can be reached on (api.md). */
export const CHANNELS = ['messenger', 'instagram', 'whatsapp', 'sms', 'voice', 'webchat'] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

const isoDateTime = z.iso.datetime({ offset: true });

/** Profile data a channel may send with any event. Every value is personal data (encrypted in events). */
export const inboundProfileSchema = z
  .object({
    firstName: z.string().max(200),
    lastName: z.string().max(200),
    name: z.string().max(400),
    gender: z.string().max(50),
    language: z.string().max(50),
    locale: z.string().max(50),
    timezone: z.string().max(100),
    profilePicUrl: z.url().max(2048),
    phone: z.string().max(50),
    email: z.email().max(320),
  })
  .partial()
  .strict();
export type InboundProfile = z.infer<typeof inboundProfileSchema>;

const base = {
  eventId: z.string().min(1).max(200),
  channel: channelSchema,
  channelUserId: z.string().min(1).max(256),
  occurredAt: isoDateTime,
  profile: inboundProfileSchema.optional(),
};

const simple = <T extends string>(type: T) => z.object({ ...base, type: z.literal(type) }).strict();

/** One normalized interaction event, as channels and the bot runtime send it (api.md "Ingestion"). */
export const normalizedEventSchema = z.discriminatedUnion('type', [
  simple('message.received'),
  simple('message.sent'),
  simple('postback'),
  simple('user.subscribed'),
  simple('user.unsubscribed'),
  simple('profile.updated'),
  z.object({ ...base, type: z.literal('otn.optin'), topicId: z.string().min(1).max(200), topicName: z.string().max(200).optional() }).strict(),
  z.object({ ...base, type: z.literal('sequence.subscribed'), sequenceId: z.string().min(1).max(200), sequenceName: z.string().max(200).optional() }).strict(),
  z.object({ ...base, type: z.literal('sequence.unsubscribed'), sequenceId: z.string().min(1).max(200), sequenceName: z.string().max(200).optional() }).strict(),
  z.object({ ...base, type: z.literal('tag.added'), tag: z.string().min(1).max(100) }).strict(),
  z.object({ ...base, type: z.literal('tag.removed'), tag: z.string().min(1).max(100) }).strict(),
  z.object({ ...base, type: z.literal('field.set'), key: z.string().min(1).max(64), value: z.unknown() }).strict(),
  z.object({ ...base, type: z.literal('field.cleared'), key: z.string().min(1).max(64) }).strict(),
]);
export type NormalizedEvent = z.infer<typeof normalizedEventSchema>;
export type NormalizedEventType = NormalizedEvent['type'];

export const MAX_EVENTS_PER_BATCH = 1000;

/** The batch form of `POST /v1/bots/{botId}/events`: `{ events: [...] }`. */
export const ingestBatchSchema = z.object({ events: z.array(normalizedEventSchema).min(1).max(MAX_EVENTS_PER_BATCH) }).strict();

/**
 * The body of `POST /v1/bots/{botId}/events`: one event, or `{ events: [...] }`. The form is chosen by the presence of
 * `events` (rather than a zod union) so that a bad event gets errors at its own paths (`events.3.occurredAt`).
 */
export const ingestBodySchema = z.custom<unknown>().pipe(
  z.unknown().transform((body, ctx) => {
    const schema = typeof body === 'object' && body !== null && 'events' in body ? ingestBatchSchema : normalizedEventSchema;
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path } as never);
    return z.NEVER;
  }),
);
export type IngestBody = z.infer<typeof ingestBatchSchema> | NormalizedEvent;
