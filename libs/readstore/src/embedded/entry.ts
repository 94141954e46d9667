import type { Doc } from '../port';

/** A stored document; indexes hold entries, which keep their identity across updates of the document. */
export interface Entry<T extends Doc> {
  doc: T;
  position: bigint;
}
