import type { BotUserEvent, HistoryEntry } from '@roster/contracts';
import type { DecodedEvent } from '@roster/platform';

export interface HistoryPage {
  items: HistoryEntry[];
  nextCursor: string | null;
}

/** Short, stable names of changes for the history (event type names are versioned; these are what operators read). */
const CHANGE_OF: Record<string, string> = {
  'user-profile.BotUserCreated.v1': 'user.created',
  'user-profile.BotUserInteracted.v1': 'user.interacted',
  'user-profile.BotUserProfileUpdated.v1': 'profile.updated',
  'user-profile.BotUserSubscribed.v1': 'user.subscribed',
  'user-profile.BotUserUnsubscribed.v1': 'user.unsubscribed',
  'user-profile.TagAddedToBotUser.v1': 'tag.added',
  'user-profile.TagRemovedFromBotUser.v1': 'tag.removed',
  'user-profile.BotUserFieldSet.v1': 'field.set',
  'user-profile.BotUserFieldCleared.v1': 'field.cleared',
  'user-profile.NoteAddedToBotUser.v1': 'note.added',
  'user-profile.BotUserNoteEdited.v1': 'note.edited',
  'user-profile.BotUserNoteDeleted.v1': 'note.deleted',
  'user-profile.BotUserSubscribedToSequence.v1': 'sequence.subscribed',
  'user-profile.BotUserUnsubscribedFromSequence.v1': 'sequence.unsubscribed',
  'user-profile.BotUserOptedInToOtnTopic.v1': 'otn.optedIn',
  'user-profile.BotUserOtnTopicRemoved.v1': 'otn.removed',
};

const encodeCursor = (revision: bigint) => Buffer.from(`r${revision}`).toString('base64url');
function decodeCursor(cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  return /^r\d{1,19}$/.test(text) ? BigInt(text.slice(1)) : undefined;
}

export class InvalidHistoryCursorError extends Error {}

/**
 * One page of a user's history, newest first. Values are read with the user's key as it is now: after erasure
 * there is no stream and so no history.
 */
export function historyPage(events: readonly DecodedEvent<BotUserEvent>[], limit: number, cursor?: string): HistoryPage {
  const before = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && before === undefined) throw new InvalidHistoryCursorError('the cursor is not valid');
  const newestFirst = events.filter((e) => before === undefined || e.revision < before).reverse();
  const page = newestFirst.slice(0, limit);
  const items = page.map((event): HistoryEntry => {
    const { botId: _botId, userId: _userId, ...details } = event.data as Record<string, unknown>;
    const at = (details.at ?? details.occurredAt ?? details.createdAt ?? event.recordedAt) as string;
    const actor = event.metadata['actor'] as HistoryEntry['source'] | undefined;
    return { id: event.id, at: new Date(at).toISOString(), recordedAt: event.recordedAt, change: CHANGE_OF[event.type] ?? event.type, source: actor ?? { kind: 'system' }, details };
  });
  const last = page[page.length - 1];
  return { items, nextCursor: newestFirst.length > limit && last ? encodeCursor(last.revision) : null };
}
