import {
  PROFILE_FIELDS,
  USER_PROFILE_EVENTS as E,
  type BotUserEvent,
  type Channel,
  type Profile,
  type ProfileField,
} from '@roster/contracts';

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
}

export interface CommandMetadata {
  /** Wall-clock time of handling, ISO 8601: the domain never reads the clock itself. */
  readonly now: string;
}

/** Record one channel interaction (any normalized event type). Creates the user on first contact. */
export interface RecordInteraction {
  readonly type: 'RecordInteraction';
  readonly data: {
    readonly botId: string;
    readonly userId: string;
    readonly channel: Channel;
    readonly channelUserId: string;
    readonly eventType: string;
    readonly occurredAt: string;
    readonly profile?: Profile;
  };
  readonly metadata: CommandMetadata;
}

export type BotUserCommand = RecordInteraction;

export class IllegalStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalStateError';
  }
}

export const initialState = (): BotUserState => ({ exists: false, profile: {}, status: 'subscribed', subscribedAt: null });

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
  if (state.botId !== botId || state.userId !== userId) throw new IllegalStateError('the command names another bot user');
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

export function decide(command: BotUserCommand, state: BotUserState): BotUserEvent[] {
  switch (command.type) {
    case 'RecordInteraction':
      return recordInteraction(command, state);
    default: {
      const unhandled: never = command.type;
      throw new IllegalStateError(`unknown command ${String(unhandled)}`);
    }
  }
}

export function evolve(state: BotUserState, event: BotUserEvent): BotUserState {
  switch (event.type) {
    case E.created: {
      const d = event.data;
      return {
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
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const botUserDecider = { decide, evolve, initialState };
