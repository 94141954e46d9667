import { z } from 'zod';
import { channelSchema } from '../ingestion/normalized-event';

/**
 * Events of the `BotUser` aggregate (stream `botUser-<botId>-<userId>`). They are also the integration events that
 * the relay publishes on `roster.evt.user-profile.<type>`. Type names are stable and versioned; the schemas describe
 * the *decoded* data — in the store, the personal fields listed in PERSONAL_FIELDS are `{ $pii }` ciphertexts.
 */
export const USER_PROFILE_EVENTS = {
  created: 'user-profile.BotUserCreated.v1',
  interacted: 'user-profile.BotUserInteracted.v1',
  profileUpdated: 'user-profile.BotUserProfileUpdated.v1',
  subscribed: 'user-profile.BotUserSubscribed.v1',
  unsubscribed: 'user-profile.BotUserUnsubscribed.v1',
} as const;

const iso = z.iso.datetime({ offset: true });

/** The profile fields a bot user has; every one is personal data. */
export const PROFILE_FIELDS = [
  'firstName',
  'lastName',
  'name',
  'gender',
  'language',
  'locale',
  'timezone',
  'profilePicUrl',
  'phone',
  'email',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type Profile = Partial<Record<ProfileField, string>>;
const profileSchema = z.partialRecord(z.enum(PROFILE_FIELDS), z.string());
const profileChangesSchema = z.partialRecord(z.enum(PROFILE_FIELDS), z.string().nullable());

const userRef = { botId: z.uuid(), userId: z.uuid() };

export const botUserCreatedSchema = z.object({
  ...userRef,
  channel: channelSchema,
  channelUserId: z.string(),
  profile: profileSchema,
  status: z.enum(['subscribed', 'unsubscribed']),
  subscribedAt: iso.nullable(),
  lastInteractionAt: iso,
  createdAt: iso,
});
export const botUserInteractedSchema = z.object({ ...userRef, occurredAt: iso });
export const botUserProfileUpdatedSchema = z.object({ ...userRef, changes: profileChangesSchema, occurredAt: iso });
export const botUserSubscribedSchema = z.object({ ...userRef, occurredAt: iso });
export const botUserUnsubscribedSchema = z.object({ ...userRef, occurredAt: iso });

export type BotUserEvent =
  | { type: typeof USER_PROFILE_EVENTS.created; data: z.infer<typeof botUserCreatedSchema> }
  | { type: typeof USER_PROFILE_EVENTS.interacted; data: z.infer<typeof botUserInteractedSchema> }
  | { type: typeof USER_PROFILE_EVENTS.profileUpdated; data: z.infer<typeof botUserProfileUpdatedSchema> }
  | { type: typeof USER_PROFILE_EVENTS.subscribed; data: z.infer<typeof botUserSubscribedSchema> }
  | { type: typeof USER_PROFILE_EVENTS.unsubscribed; data: z.infer<typeof botUserUnsubscribedSchema> };

export const botUserEventSchemas: Record<BotUserEvent['type'], z.ZodType> = {
  [USER_PROFILE_EVENTS.created]: botUserCreatedSchema,
  [USER_PROFILE_EVENTS.interacted]: botUserInteractedSchema,
  [USER_PROFILE_EVENTS.profileUpdated]: botUserProfileUpdatedSchema,
  [USER_PROFILE_EVENTS.subscribed]: botUserSubscribedSchema,
  [USER_PROFILE_EVENTS.unsubscribed]: botUserUnsubscribedSchema,
};

/** The profile as views show it: every field present, null when unknown; `name` falls back to first + last name. */
export function profileView(profile: Profile) {
  const value = (field: ProfileField) => profile[field] ?? null;
  return {
    name: profile.name ?? ([profile.firstName, profile.lastName].filter(Boolean).join(' ') || null),
    firstName: value('firstName'),
    lastName: value('lastName'),
    gender: value('gender'),
    language: value('language'),
    locale: value('locale'),
    timezone: value('timezone'),
    profilePicUrl: value('profilePicUrl'),
    phone: value('phone'),
    email: value('email'),
  };
}
