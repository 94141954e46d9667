import type { UserListDoc } from './user-list-doc';

/**
 * What the filter language and the sorts need that the summary does not carry, derived from the document:
 * lower-cased copies for case-insensitive matching (so `is` is an indexable equality, not a scan with a regex) and
 * sort keys present on every document (the read store's keyset pagination needs a value on each one).
 */
export interface SearchKeys {
  search: {
    name: string | null;
    firstName: string | null;
    lastName: string | null;
    phone: string | null;
    email: string | null;
    tags: string[];
    /** Text custom fields, lower-cased, by key. */
    text: Record<string, string>;
  };
  /** Lower-cased display name; '' without one (sorts first ascending). */
  sortName: string;
  /** subscribedAt, or '' for users never subscribed (sorts as the oldest). */
  sortSubscribedAt: string;
}

export type SearchableUserDoc = UserListDoc & SearchKeys;

const lower = (value: string | null | undefined) => (typeof value === 'string' ? value.toLowerCase() : null);

/**
 * With `previous` (the document before this change), its `search` object is kept when nothing it derives from
 * changed — the case of every interaction —, so the store keeps the object it already holds instead of a copy.
 */
export function withSearchKeys(doc: UserListDoc, previous?: SearchableUserDoc): SearchableUserDoc {
  if (previous?.search && sameSearchInputs(doc, previous)) {
    return { ...doc, search: previous.search, sortName: previous.search.name ?? '', sortSubscribedAt: doc.subscribedAt ?? '' };
  }
  const text: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.fields ?? {})) {
    if (doc.fieldTypes?.[key] === 'text' && typeof value === 'string') text[key] = value.toLowerCase();
  }
  const name = lower(doc.name);
  return {
    ...doc,
    search: {
      name,
      firstName: lower(doc.firstName),
      lastName: lower(doc.lastName),
      phone: lower(doc.phone),
      email: lower(doc.email),
      tags: (doc.tags ?? []).map((t) => t.toLowerCase()),
      text,
    },
    // The same string as search.name: a million documents hold one copy each, not two.
    sortName: name ?? '',
    sortSubscribedAt: doc.subscribedAt ?? '',
  };
}

/** Tags and custom fields are compared as objects: applyToUserDoc keeps them when an event does not change them. */
function sameSearchInputs(doc: UserListDoc, previous: UserListDoc): boolean {
  return (
    doc.name === previous.name &&
    doc.firstName === previous.firstName &&
    doc.lastName === previous.lastName &&
    doc.phone === previous.phone &&
    doc.email === previous.email &&
    doc.tags === previous.tags &&
    doc.fields === previous.fields &&
    doc.fieldTypes === previous.fieldTypes
  );
}

/** The sort keys a walk can use, as stored on each document. */
export const SORT_KEY_FIELDS = ['lastInteractionAt', 'sortName', 'sortSubscribedAt'] as const;
export type SortKeyField = (typeof SORT_KEY_FIELDS)[number];
type SortKeys = Record<SortKeyField, string>;

/** How many earlier sort keys a document remembers: enough for the changes one walk can see (see WalkKeys). */
export const MAX_SORT_MOVES = 32;

/**
 * What keeps keyset walks exactly-once while users change (api.md): positions are zero-padded decimal strings.
 * - `createdPos`: where the user was created (a walk leaves out users created after it began);
 * - `sortStamp`: where a sort key last changed (a walk's index part takes only documents unchanged since it began);
 * - `sortMoves`: the sort keys each document had before its recent changes, so a walk can place a document that
 *   moved during it where it stood when the walk began.
 */
export interface WalkKeys {
  createdPos: string;
  sortStamp: string;
  sortMoves: (SortKeys & { pos: string })[];
}

export type WalkableUserDoc = SearchableUserDoc & WalkKeys;

export const padPosition = (position: bigint) => position.toString().padStart(20, '0');

/**
 * The document after an event at `position`, with search keys and walk keys brought up to date.
 *
 * `asked` (ascending) are the snapshots that may still ask for this document's earlier keys: those of the walks in
 * progress and where the list stood before this event's batch (a walk that begins while the batch is applied takes
 * that position; one that begins later takes a position at or after every change so far, and finds the document
 * unchanged). A walk at snapshot S asks for the key before the first change after S (`sortKeyAt`), so the move of a
 * change at p, the key the document had since its previous change q, is asked for only by a snapshot in [q, p); a
 * move no snapshot falls before is neither recorded nor kept. A user created and changed within one batch (every user
 * of a bulk load) so carries no moves at all: bench/search's 1M-user load left 4.3 per document behind (~0.6 GB of
 * heap), which only a later change of the same user dropped. Without `asked` every move is kept (up to
 * `MAX_SORT_MOVES`).
 */
export function withWalkKeys(previous: WalkableUserDoc | undefined, next: UserListDoc, position: bigint, asked?: readonly string[]): WalkableUserDoc {
  const doc = withSearchKeys(next, previous);
  const pos = padPosition(position);
  if (!previous) return { ...doc, createdPos: pos, sortStamp: pos, sortMoves: [] };
  const moves = previous.sortMoves ?? [];
  const kept = asked === undefined ? moves : askedMoves(moves, previous.createdPos, asked);
  const moved = SORT_KEY_FIELDS.some((field) => previous[field] !== doc[field]);
  if (!moved) return { ...doc, createdPos: previous.createdPos, sortStamp: previous.sortStamp, sortMoves: kept };
  if (asked !== undefined && !askedWithin(asked, previous.sortStamp, pos)) {
    return { ...doc, createdPos: previous.createdPos, sortStamp: pos, sortMoves: kept };
  }
  const before = { pos, lastInteractionAt: previous.lastInteractionAt, sortName: previous.sortName, sortSubscribedAt: previous.sortSubscribedAt };
  return { ...doc, createdPos: previous.createdPos, sortStamp: pos, sortMoves: [...kept, before].slice(-MAX_SORT_MOVES) };
}

/**
 * The moves some snapshot of `asked` still asks for: each one's key held from the change before it (the previous move
 * remembered, or the creation) until its own, so a move is kept when a snapshot lies in that span. A span is never
 * narrower than the true one (moves dropped earlier only widen it), so nothing asked for is dropped.
 */
function askedMoves(moves: WalkKeys['sortMoves'], createdPos: string, asked: readonly string[]): WalkKeys['sortMoves'] {
  if (moves.length === 0) return moves;
  let since = createdPos;
  const kept = moves.filter((move) => {
    const keep = askedWithin(asked, since, move.pos);
    since = move.pos;
    return keep;
  });
  return kept.length === moves.length ? moves : kept;
}

/** Whether a snapshot of `asked` (ascending) lies in [from, to). */
function askedWithin(asked: readonly string[], from: string, to: string): boolean {
  let low = 0;
  let high = asked.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (asked[mid]! < from) low = mid + 1;
    else high = mid;
  }
  return low < asked.length && asked[low]! < to;
}

/** A document's sort key as it was at snapshot position `snapshot` (its current key if it has not moved since). */
export function sortKeyAt(doc: WalkableUserDoc, field: SortKeyField, snapshot: string): string {
  const firstMoveAfter = (doc.sortMoves ?? []).find((move) => move.pos > snapshot);
  return firstMoveAfter ? firstMoveAfter[field] : doc[field];
}
