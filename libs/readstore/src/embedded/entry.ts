import type { Doc } from '../port';

/** A stored document; indexes hold entries, which keep their identity across updates of the document. */
export interface Entry<T extends Doc> {
  doc: T;
  position: bigint;
  /**
   * When the entry was created, in its collection's order (a counter): an index built in the background tells by it
   * which entries it has reached (see `Indexes`). A document deleted and written again is a new entry. Set to
   * `DELETED` when the entry leaves its collection, so that work holding a list of entries (a count, a background
   * build) tells a deleted one without a lookup.
   */
  seq: number;
}

export const DELETED = -1;

export const isLive = (entry: Entry<Doc>): boolean => entry.seq !== DELETED;
