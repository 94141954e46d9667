import {
  PROFILE_FIELDS,
  USER_PROFILE_EVENTS as E,
  type BotUserEvent,
  type Channel,
  type FieldType,
  type Profile,
  type ProfileField,
} from '@roster/contracts';
import { asOfKey, evolve, initialState, type BotUserState } from './bot-user-state';
import { BotUserNotFoundError, IllegalStateError, NoteNotFoundError } from './errors';
import { normalizeFieldValue } from './field-values';

export { evolve, initialState, type BotUserState } from './bot-user-state';
export { IllegalStateError } from './errors';

export interface CommandMetadata {
  /** Wall-clock time of handling, ISO 8601: the domain never reads the clock itself. */
  readonly now: string;
}

type Target = { readonly botId: string; readonly userId: string };
type Command<T extends string, D> = { readonly type: T; readonly data: Target & D; readonly metadata: CommandMetadata };

/** Record one channel interaction (any normalized event type). Creates the user on first contact. */
export type RecordInteraction = Command<
  'RecordInteraction',
  {
    readonly channel: Channel;
    readonly channelUserId: string;
    readonly eventType: string;
    readonly occurredAt: string;
    readonly profile?: Profile;
  }
>;

/** `at`: when the change happened — the channel event's time, or `now` for an operator's edit. */
export type BotUserCommand =
  | RecordInteraction
  | Command<'AddTag', { readonly tag: string; readonly at: string }>
  | Command<'RemoveTag', { readonly tag: string; readonly at: string }>
  | Command<'SetField', { readonly key: string; readonly fieldType: FieldType; readonly value: unknown; readonly at: string }>
  | Command<'ClearField', { readonly key: string; readonly at: string }>
  | Command<'AddNote', { readonly noteId: string; readonly text: string }>
  | Command<'EditNote', { readonly noteId: string; readonly text: string }>
  | Command<'DeleteNote', { readonly noteId: string }>
  | Command<'SubscribeToSequence', { readonly sequenceId: string; readonly sequenceName?: string; readonly at: string }>
  | Command<'UnsubscribeFromSequence', { readonly sequenceId: string; readonly at: string }>
  | Command<'OptInToOtnTopic', { readonly topicId: string; readonly topicName?: string; readonly at: string }>
  | Command<'RemoveOtnTopic', { readonly topicId: string; readonly at: string }>;

const instant = (iso: string) => Date.parse(iso);
const isNewer = (candidate: string, than: string | undefined) => than === undefined || instant(candidate) > instant(than);
const isAtLeast = (candidate: string, than: string | undefined) => than === undefined || instant(candidate) >= instant(than);

function knownProfile(profile: Profile | undefined): Profile {
  const out: Profile = {};
  for (const field of PROFILE_FIELDS) {
    const value = profile?.[field];
    if (typeof value === 'string') out[field] = value;
  }
  return out;
}

function profileChanges(current: Profile, incoming: Profile): Partial<Record<ProfileField, string>> {
  const changes: Partial<Record<ProfileField, string>> = {};
  for (const [field, value] of Object.entries(incoming) as [ProfileField, string][]) {
    if (current[field] !== value) changes[field] = value;
  }
  return changes;
}

function create(command: RecordInteraction): BotUserEvent[] {
  const { botId, userId, channel, channelUserId, occurredAt, eventType } = command.data;
  const unsubscribing = eventType === 'user.unsubscribed';
  return [
    {
      type: E.created,
      data: {
        botId,
        userId,
        channel,
        channelUserId,
        profile: knownProfile(command.data.profile),
        status: unsubscribing ? 'unsubscribed' : 'subscribed',
        subscribedAt: unsubscribing ? null : occurredAt,
        lastInteractionAt: occurredAt,
        createdAt: command.metadata.now,
      },
    },
  ];
}

function recordInteraction(command: RecordInteraction, state: BotUserState): BotUserEvent[] {
  if (!state.exists) return create(command);
  const { botId, userId, occurredAt, eventType } = command.data;
  const events: BotUserEvent[] = [];
  if (isNewer(occurredAt, state.lastInteractionAt)) events.push({ type: E.interacted, data: { botId, userId, occurredAt } });
  const incoming = knownProfile(command.data.profile);
  if (Object.keys(incoming).length > 0 && isAtLeast(occurredAt, state.profileAsOf)) {
    const changes = profileChanges(state.profile, incoming);
    if (Object.keys(changes).length > 0) events.push({ type: E.profileUpdated, data: { botId, userId, changes, occurredAt } });
  }
  if ((eventType === 'user.subscribed' || eventType === 'user.unsubscribed') && isNewer(occurredAt, state.statusAsOf)) {
    const wanted = eventType === 'user.subscribed' ? 'subscribed' : 'unsubscribed';
    if (state.status !== wanted) {
      events.push({ type: wanted === 'subscribed' ? E.subscribed : E.unsubscribed, data: { botId, userId, occurredAt } });
    }
  }
  return events;
}

const hasTag = (state: BotUserState, tag: string) => state.tags.some((t) => t.toLowerCase() === tag.toLowerCase());
/** A change older than the last change of the same item decides nothing (out-of-order channel events). */
const outdated = (state: BotUserState, key: string, at: string) => !isAtLeast(at, state.asOf[key]);

function decideEdit(command: Exclude<BotUserCommand, RecordInteraction>, state: BotUserState): BotUserEvent[] {
  const { botId, userId } = command.data;
  const now = command.metadata.now;
  switch (command.type) {
    case 'AddTag': {
      const { tag, at } = command.data;
      if (hasTag(state, tag) || outdated(state, asOfKey.tag(tag), at)) return [];
      return [{ type: E.tagAdded, data: { botId, userId, tag, at } }];
    }
    case 'RemoveTag': {
      const { tag, at } = command.data;
      const present = state.tags.find((t) => t.toLowerCase() === tag.toLowerCase());
      if (!present || outdated(state, asOfKey.tag(tag), at)) return [];
      return [{ type: E.tagRemoved, data: { botId, userId, tag: present, at } }];
    }
    case 'SetField': {
      const { key, fieldType, at } = command.data;
      const value = normalizeFieldValue(fieldType, command.data.value);
      const current = state.fields[key];
      if ((current && current.type === fieldType && current.value === value) || outdated(state, asOfKey.field(key), at)) return [];
      return [{ type: E.fieldSet, data: { botId, userId, key, fieldType, value, at } }];
    }
    case 'ClearField': {
      const { key, at } = command.data;
      if (!(key in state.fields) || outdated(state, asOfKey.field(key), at)) return [];
      return [{ type: E.fieldCleared, data: { botId, userId, key, at } }];
    }
    case 'AddNote':
      if (state.notes.some((n) => n.id === command.data.noteId)) return [];
      return [{ type: E.noteAdded, data: { botId, userId, noteId: command.data.noteId, text: command.data.text, at: now } }];
    case 'EditNote': {
      const note = state.notes.find((n) => n.id === command.data.noteId);
      if (!note) throw new NoteNotFoundError();
      if (note.text === command.data.text) return [];
      return [{ type: E.noteEdited, data: { botId, userId, noteId: note.id, text: command.data.text, at: now } }];
    }
    case 'DeleteNote':
      if (!state.notes.some((n) => n.id === command.data.noteId)) throw new NoteNotFoundError();
      return [{ type: E.noteDeleted, data: { botId, userId, noteId: command.data.noteId, at: now } }];
    case 'SubscribeToSequence': {
      const { sequenceId, sequenceName, at } = command.data;
      if (state.sequences.some((s) => s.id === sequenceId) || outdated(state, asOfKey.sequence(sequenceId), at)) return [];
      return [{ type: E.sequenceSubscribed, data: { botId, userId, sequenceId, ...(sequenceName ? { sequenceName } : {}), at } }];
    }
    case 'UnsubscribeFromSequence': {
      const { sequenceId, at } = command.data;
      if (!state.sequences.some((s) => s.id === sequenceId) || outdated(state, asOfKey.sequence(sequenceId), at)) return [];
      return [{ type: E.sequenceUnsubscribed, data: { botId, userId, sequenceId, at } }];
    }
    case 'OptInToOtnTopic': {
      const { topicId, topicName, at } = command.data;
      if (state.otnTopics.some((t) => t.id === topicId) || outdated(state, asOfKey.otn(topicId), at)) return [];
      return [{ type: E.otnOptedIn, data: { botId, userId, topicId, ...(topicName ? { topicName } : {}), at } }];
    }
    case 'RemoveOtnTopic': {
      const { topicId, at } = command.data;
      if (!state.otnTopics.some((t) => t.id === topicId) || outdated(state, asOfKey.otn(topicId), at)) return [];
      return [{ type: E.otnRemoved, data: { botId, userId, topicId, at } }];
    }
    default: {
      const unhandled: never = command;
      throw new IllegalStateError(`unknown command ${(unhandled as { type: string }).type}`);
    }
  }
}

export function decide(command: BotUserCommand, state: BotUserState): BotUserEvent[] {
  if (state.exists && (state.botId !== command.data.botId || state.userId !== command.data.userId)) {
    throw new IllegalStateError('the command names another bot user');
  }
  if (command.type === 'RecordInteraction') return recordInteraction(command, state);
  if (!state.exists) throw new BotUserNotFoundError();
  return decideEdit(command, state);
}

export const botUserDecider = { decide, evolve, initialState };
