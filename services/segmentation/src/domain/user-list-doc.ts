import { profileView, USER_PROFILE_EVENTS as E, type BotUserEvent, type FieldType, type FieldValue, type UserSummary } from '@roster/contracts';

/**
 * A user-list document: the user summary of api.md plus what the filter language searches but the summary does not
 * show (`fullName`, `phone`, `email`, `createdAt`, `sequences` and `otnTopics` as ids, and `fieldTypes`, the type of
 * each value in `fields`, so that typed filters can be compiled against the document).
 */
export interface UserListDoc extends UserSummary {
  fields: Record<string, FieldValue>;
  fullName: string | null;
  phone: string | null;
  email: string | null;
  createdAt: string | null;
  sequences: string[];
  otnTopics: string[];
  fieldTypes: Record<string, FieldType>;
}

/**
 * Already in toISOString's form (what user-profile writes) with a day every month has: returned as it is — parsing and
 * printing a date for every interaction was ~5 % of the projection's CPU. Anything else is normalized.
 */
const CANONICAL_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const iso = (value: string | null) => (value ? (CANONICAL_ISO.test(value) ? value : new Date(value).toISOString()) : null);

function displayName(doc: Pick<UserListDoc, 'firstName' | 'lastName' | 'fullName'>): string | null {
  return doc.fullName ?? ([doc.firstName, doc.lastName].filter(Boolean).join(' ') || null);
}

const sameTag = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Sets kept as arrays in insertion order (documents of the read store hold JSON). Adding a present value is a no-op. */
function addTo(set: readonly string[] | undefined, value: string, same = (a: string, b: string) => a === b): string[] {
  const list = set ?? [];
  return list.some((v) => same(v, value)) ? [...list] : [...list, value];
}

function removeFrom(set: readonly string[] | undefined, value: string, same = (a: string, b: string) => a === b): string[] {
  return (set ?? []).filter((v) => !same(v, value));
}

function without<V>(map: Readonly<Record<string, V>> | undefined, key: string): Record<string, V> {
  const { [key]: _removed, ...rest } = map ?? {};
  return rest;
}

/**
 * Pure fold of BotUser events into the list document (undefined before the user exists). Events are applied in the
 * order given: out-of-order delivery is the projection's concern (a position guard per document). Profile and field
 * values arrive decrypted; the projection stores them because the filter language searches them, and erasure deletes
 * the document. Notes are not part of the list.
 */
export function applyToUserDoc(doc: UserListDoc | undefined, event: BotUserEvent): UserListDoc | undefined {
  if (event.type === E.created) return created(event.data);
  if (!doc) return doc;
  switch (event.type) {
    case E.interacted:
      return { ...doc, lastInteractionAt: iso(event.data.occurredAt)! };
    case E.profileUpdated: {
      const next: Record<string, unknown> = { ...doc };
      for (const [field, value] of Object.entries(event.data.changes)) next[field === 'name' ? 'fullName' : field] = value ?? null;
      const updated = next as UserListDoc;
      return { ...updated, name: displayName(updated) };
    }
    case E.subscribed:
      return { ...doc, status: 'subscribed', subscribedAt: iso(event.data.occurredAt) };
    case E.unsubscribed:
      return { ...doc, status: 'unsubscribed' };
    case E.tagAdded:
      return { ...doc, tags: addTo(doc.tags, event.data.tag, sameTag) };
    case E.tagRemoved:
      return { ...doc, tags: removeFrom(doc.tags, event.data.tag, sameTag) };
    case E.fieldSet: {
      const { key, value, fieldType } = event.data;
      return { ...doc, fields: { ...doc.fields, [key]: value }, fieldTypes: { ...doc.fieldTypes, [key]: fieldType } };
    }
    case E.fieldCleared:
      return { ...doc, fields: without(doc.fields, event.data.key), fieldTypes: without(doc.fieldTypes, event.data.key) };
    case E.sequenceSubscribed:
      return { ...doc, sequences: addTo(doc.sequences, event.data.sequenceId) };
    case E.sequenceUnsubscribed:
      return { ...doc, sequences: removeFrom(doc.sequences, event.data.sequenceId) };
    case E.otnOptedIn:
      return { ...doc, otnTopics: addTo(doc.otnTopics, event.data.topicId) };
    case E.otnRemoved:
      return { ...doc, otnTopics: removeFrom(doc.otnTopics, event.data.topicId) };
    case E.noteAdded:
    case E.noteEdited:
    case E.noteDeleted:
      return doc;
    default: {
      // A new BotUser event fails to compile here until it is handled; at run time an unknown type changes nothing.
      const _unhandled: never = event;
      return doc;
    }
  }
}

function created(d: Extract<BotUserEvent, { type: typeof E.created }>['data']): UserListDoc {
  return {
    id: d.userId,
    botId: d.botId,
    channel: d.channel,
    channelUserId: d.channelUserId,
    ...profileView(d.profile),
    fullName: d.profile.name ?? null,
    status: d.status,
    subscribedAt: iso(d.subscribedAt),
    lastInteractionAt: iso(d.lastInteractionAt)!,
    createdAt: iso(d.createdAt),
    tags: [],
    fields: {},
    fieldTypes: {},
    sequences: [],
    otnTopics: [],
  };
}

/** The fields of a document the summary shows (a search asks the store for these only). */
export const SUMMARY_FIELDS = [
  'botId',
  'channel',
  'channelUserId',
  'name',
  'firstName',
  'lastName',
  'gender',
  'language',
  'locale',
  'timezone',
  'profilePicUrl',
  'status',
  'subscribedAt',
  'lastInteractionAt',
  'tags',
  'fields',
] as const satisfies readonly (keyof UserSummary)[];

/** The summary as the API shows it: exactly the api.md fields, whatever else the document keeps for filtering. */
export function toSummary(doc: UserListDoc): UserSummary {
  return {
    id: doc.id,
    botId: doc.botId,
    channel: doc.channel,
    channelUserId: doc.channelUserId,
    name: doc.name,
    firstName: doc.firstName,
    lastName: doc.lastName,
    gender: doc.gender,
    language: doc.language,
    locale: doc.locale,
    timezone: doc.timezone,
    profilePicUrl: doc.profilePicUrl,
    status: doc.status,
    subscribedAt: doc.subscribedAt,
    lastInteractionAt: doc.lastInteractionAt,
    tags: doc.tags,
    fields: doc.fields,
  };
}
