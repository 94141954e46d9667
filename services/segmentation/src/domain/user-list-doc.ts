import { profileView, USER_PROFILE_EVENTS as E, type BotUserEvent, type UserSummary } from '@roster/contracts';

/** A user-list document: the user summary of api.md, as the read store keeps it. */
export type UserListDoc = UserSummary & { [key: string]: never | unknown };

const iso = (value: string | null) => (value ? new Date(value).toISOString() : null);

function displayName(doc: Pick<UserSummary, 'firstName' | 'lastName'> & { fullName?: string | null }): string | null {
  return doc.fullName ?? ([doc.firstName, doc.lastName].filter(Boolean).join(' ') || null);
}

/**
 * Pure fold of BotUser events into the list document (undefined before the user exists). Profile values arrive
 * decrypted; the projection stores them because the filter language searches them, and erasure deletes the document.
 */
export function applyToUserDoc(doc: UserListDoc | undefined, event: BotUserEvent): UserListDoc | undefined {
  switch (event.type) {
    case E.created: {
      const d = event.data;
      const p = d.profile;
      return {
        id: d.userId,
        botId: d.botId,
        channel: d.channel,
        channelUserId: d.channelUserId,
        ...profileView(p),
        fullName: p.name ?? null,
        status: d.status,
        subscribedAt: iso(d.subscribedAt),
        lastInteractionAt: iso(d.lastInteractionAt)!,
        createdAt: iso(d.createdAt),
        tags: [],
        fields: {},
      };
    }
    case E.interacted:
      return doc && { ...doc, lastInteractionAt: iso(event.data.occurredAt)! };
    case E.profileUpdated: {
      if (!doc) return doc;
      const next: Record<string, unknown> = { ...doc };
      for (const [field, value] of Object.entries(event.data.changes)) next[field === 'name' ? 'fullName' : field] = value ?? null;
      const updated = next as UserListDoc;
      return { ...updated, name: displayName(updated as never) };
    }
    case E.subscribed:
      return doc && { ...doc, status: 'subscribed', subscribedAt: iso(event.data.occurredAt) };
    case E.unsubscribed:
      return doc && { ...doc, status: 'unsubscribed' };
    default:
      return doc;
  }
}

/** The summary as the API shows it (bookkeeping fields dropped). */
export function toSummary(doc: UserListDoc): UserSummary {
  const { fullName: _fullName, phone: _phone, email: _email, createdAt: _createdAt, ...summary } = doc as UserListDoc & Record<string, unknown>;
  return summary as UserSummary;
}
