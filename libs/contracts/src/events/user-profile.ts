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
  tagAdded: 'user-profile.TagAddedToBotUser.v1',
  tagRemoved: 'user-profile.TagRemovedFromBotUser.v1',
  fieldSet: 'user-profile.BotUserFieldSet.v1',
  fieldCleared: 'user-profile.BotUserFieldCleared.v1',
  noteAdded: 'user-profile.NoteAddedToBotUser.v1',
  noteEdited: 'user-profile.BotUserNoteEdited.v1',
  noteDeleted: 'user-profile.BotUserNoteDeleted.v1',
  sequenceSubscribed: 'user-profile.BotUserSubscribedToSequence.v1',
  sequenceUnsubscribed: 'user-profile.BotUserUnsubscribedFromSequence.v1',
  otnOptedIn: 'user-profile.BotUserOptedInToOtnTopic.v1',
  otnRemoved: 'user-profile.BotUserOtnTopicRemoved.v1',
} as const;

/** Events of a bot's catalog (stream `botCatalog-<botId>`): its tags and custom field definitions. */
export const CATALOG_EVENTS = {
  tagDefined: 'user-profile.TagDefined.v1',
  fieldDefined: 'user-profile.FieldDefined.v1',
} as const;

export const FIELD_TYPES = ['text', 'number', 'date', 'datetime', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
/** A custom field value as stored and returned: its JSON type follows the field's type. */
export type FieldValue = string | number | boolean;
export const FIELD_KEY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

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

/** `at`: when the change happened (the channel event's occurredAt, or the operator's request time). */
const change = { ...userRef, at: iso };
export const tagAddedSchema = z.object({ ...change, tag: z.string() });
export const tagRemovedSchema = z.object({ ...change, tag: z.string() });
export const fieldSetSchema = z.object({ ...change, key: z.string(), fieldType: z.enum(FIELD_TYPES), value: z.union([z.string(), z.number(), z.boolean()]) });
export const fieldClearedSchema = z.object({ ...change, key: z.string() });
export const noteAddedSchema = z.object({ ...change, noteId: z.string(), text: z.string() });
export const noteEditedSchema = z.object({ ...change, noteId: z.string(), text: z.string() });
export const noteDeletedSchema = z.object({ ...change, noteId: z.string() });
export const sequenceSubscribedSchema = z.object({ ...change, sequenceId: z.string(), sequenceName: z.string().optional() });
export const sequenceUnsubscribedSchema = z.object({ ...change, sequenceId: z.string() });
export const otnOptedInSchema = z.object({ ...change, topicId: z.string(), topicName: z.string().optional() });
export const otnRemovedSchema = z.object({ ...change, topicId: z.string() });

type Ev<T extends string, S extends z.ZodType> = { type: T; data: z.infer<S> };
const UPE = USER_PROFILE_EVENTS;

export type BotUserEvent =
  | Ev<typeof UPE.tagAdded, typeof tagAddedSchema>
  | Ev<typeof UPE.tagRemoved, typeof tagRemovedSchema>
  | Ev<typeof UPE.fieldSet, typeof fieldSetSchema>
  | Ev<typeof UPE.fieldCleared, typeof fieldClearedSchema>
  | Ev<typeof UPE.noteAdded, typeof noteAddedSchema>
  | Ev<typeof UPE.noteEdited, typeof noteEditedSchema>
  | Ev<typeof UPE.noteDeleted, typeof noteDeletedSchema>
  | Ev<typeof UPE.sequenceSubscribed, typeof sequenceSubscribedSchema>
  | Ev<typeof UPE.sequenceUnsubscribed, typeof sequenceUnsubscribedSchema>
  | Ev<typeof UPE.otnOptedIn, typeof otnOptedInSchema>
  | Ev<typeof UPE.otnRemoved, typeof otnRemovedSchema>
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
  [UPE.tagAdded]: tagAddedSchema,
  [UPE.tagRemoved]: tagRemovedSchema,
  [UPE.fieldSet]: fieldSetSchema,
  [UPE.fieldCleared]: fieldClearedSchema,
  [UPE.noteAdded]: noteAddedSchema,
  [UPE.noteEdited]: noteEditedSchema,
  [UPE.noteDeleted]: noteDeletedSchema,
  [UPE.sequenceSubscribed]: sequenceSubscribedSchema,
  [UPE.sequenceUnsubscribed]: sequenceUnsubscribedSchema,
  [UPE.otnOptedIn]: otnOptedInSchema,
  [UPE.otnRemoved]: otnRemovedSchema,
};

export const tagDefinedSchema = z.object({ botId: z.uuid(), name: z.string(), createdAt: iso });
export const fieldDefinedSchema = z.object({ botId: z.uuid(), key: z.string(), label: z.string().nullable(), type: z.enum(FIELD_TYPES), createdAt: iso });
export type CatalogEvent =
  | Ev<typeof CATALOG_EVENTS.tagDefined, typeof tagDefinedSchema>
  | Ev<typeof CATALOG_EVENTS.fieldDefined, typeof fieldDefinedSchema>;

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
