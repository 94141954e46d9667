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

export function withSearchKeys(doc: UserListDoc): SearchableUserDoc {
  const text: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.fields ?? {})) {
    if (doc.fieldTypes?.[key] === 'text' && typeof value === 'string') text[key] = value.toLowerCase();
  }
  return {
    ...doc,
    search: {
      name: lower(doc.name),
      firstName: lower(doc.firstName),
      lastName: lower(doc.lastName),
      phone: lower(doc.phone),
      email: lower(doc.email),
      tags: (doc.tags ?? []).map((t) => t.toLowerCase()),
      text,
    },
    sortName: lower(doc.name) ?? '',
    sortSubscribedAt: doc.subscribedAt ?? '',
  };
}
