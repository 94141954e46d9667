import { USER_PROFILE_EVENTS as E, type BotUserEvent, type Channel, type FieldType, type FieldValue, type Profile } from '@roster/contracts';

export interface NoteState {
  readonly id: string;
  readonly text: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The `BotUser` aggregate's state, folded from its events. */
export interface BotUserState {
  readonly exists: boolean;
  readonly botId?: string;
  readonly userId?: string;
  readonly channel?: Channel;
  readonly channelUserId?: string;
  readonly profile: Profile;
  /** `occurredAt` of the newest event whose profile data was applied: older events never overwrite newer data. */
  readonly profileAsOf?: string;
  readonly status: 'subscribed' | 'unsubscribed';
  /** `occurredAt` of the newest (un)subscribe, so that an out-of-order older one cannot flip the status back. */
  readonly statusAsOf?: string;
  readonly subscribedAt: string | null;
  readonly lastInteractionAt?: string;
  readonly createdAt?: string;
  /** Present tags in canonical casing, in the order they were added. */
  readonly tags: readonly string[];
  readonly fields: Readonly<Record<string, { readonly type: FieldType; readonly value: FieldValue }>>;
  readonly notes: readonly NoteState[];
  readonly sequences: readonly { readonly id: string; readonly name?: string; readonly subscribedAt: string }[];
  readonly otnTopics: readonly { readonly id: string; readonly name?: string; readonly optedInAt: string }[];
  /**
   * When each tag (lower-cased), field, sequence and OTN topic last changed: a change older than that (an
   * out-of-order channel event) decides nothing, so late events never undo newer edits.
   */
  readonly asOf: Readonly<Record<string, string>>;
}

export const initialState = (): BotUserState => ({
  exists: false,
  profile: {},
  status: 'subscribed',
  subscribedAt: null,
  tags: [],
  fields: {},
  notes: [],
  sequences: [],
  otnTopics: [],
  asOf: {},
});

export const asOfKey = {
  tag: (name: string) => `tag:${name.toLowerCase()}`,
  field: (key: string) => `field:${key}`,
  sequence: (id: string) => `sequence:${id}`,
  otn: (id: string) => `otn:${id}`,
};

const stamp = (state: BotUserState, key: string, at: string) => ({ ...state.asOf, [key]: at });
const sameTag = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function evolve(state: BotUserState, event: BotUserEvent): BotUserState {
  switch (event.type) {
    case E.created: {
      const d = event.data;
      return {
        ...initialState(),
        exists: true,
        botId: d.botId,
        userId: d.userId,
        channel: d.channel,
        channelUserId: d.channelUserId,
        profile: d.profile,
        profileAsOf: d.lastInteractionAt,
        status: d.status,
        statusAsOf: d.lastInteractionAt,
        subscribedAt: d.subscribedAt,
        lastInteractionAt: d.lastInteractionAt,
        createdAt: d.createdAt,
      };
    }
    case E.interacted:
      return { ...state, lastInteractionAt: event.data.occurredAt };
    case E.profileUpdated: {
      const profile: Record<string, string> = { ...state.profile };
      for (const [field, value] of Object.entries(event.data.changes)) {
        if (value === null || value === undefined) delete profile[field];
        else profile[field] = value;
      }
      return { ...state, profile, profileAsOf: event.data.occurredAt };
    }
    case E.subscribed:
      return { ...state, status: 'subscribed', statusAsOf: event.data.occurredAt, subscribedAt: event.data.occurredAt };
    case E.unsubscribed:
      return { ...state, status: 'unsubscribed', statusAsOf: event.data.occurredAt };
    case E.tagAdded:
      return { ...state, tags: [...state.tags, event.data.tag], asOf: stamp(state, asOfKey.tag(event.data.tag), event.data.at) };
    case E.tagRemoved:
      return { ...state, tags: state.tags.filter((t) => !sameTag(t, event.data.tag)), asOf: stamp(state, asOfKey.tag(event.data.tag), event.data.at) };
    case E.fieldSet:
      return {
        ...state,
        fields: { ...state.fields, [event.data.key]: { type: event.data.fieldType, value: event.data.value } },
        asOf: stamp(state, asOfKey.field(event.data.key), event.data.at),
      };
    case E.fieldCleared: {
      const { [event.data.key]: _cleared, ...fields } = state.fields;
      return { ...state, fields, asOf: stamp(state, asOfKey.field(event.data.key), event.data.at) };
    }
    case E.noteAdded:
      return { ...state, notes: [...state.notes, { id: event.data.noteId, text: event.data.text, createdAt: event.data.at, updatedAt: event.data.at }] };
    case E.noteEdited:
      return { ...state, notes: state.notes.map((n) => (n.id === event.data.noteId ? { ...n, text: event.data.text, updatedAt: event.data.at } : n)) };
    case E.noteDeleted:
      return { ...state, notes: state.notes.filter((n) => n.id !== event.data.noteId) };
    case E.sequenceSubscribed: {
      const { sequenceId: id, sequenceName: name, at } = event.data;
      return { ...state, sequences: [...state.sequences, { id, ...(name ? { name } : {}), subscribedAt: at }], asOf: stamp(state, asOfKey.sequence(id), at) };
    }
    case E.sequenceUnsubscribed:
      return { ...state, sequences: state.sequences.filter((s) => s.id !== event.data.sequenceId), asOf: stamp(state, asOfKey.sequence(event.data.sequenceId), event.data.at) };
    case E.otnOptedIn: {
      const { topicId: id, topicName: name, at } = event.data;
      return { ...state, otnTopics: [...state.otnTopics, { id, ...(name ? { name } : {}), optedInAt: at }], asOf: stamp(state, asOfKey.otn(id), at) };
    }
    case E.otnRemoved:
      return { ...state, otnTopics: state.otnTopics.filter((t) => t.id !== event.data.topicId), asOf: stamp(state, asOfKey.otn(event.data.topicId), event.data.at) };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
