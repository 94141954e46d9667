/**
 * One copy of each short string that repeats at a field path across documents: a million user documents otherwise
 * hold a million copies of "subscribed", of their bot id, channel, language, locale, time zone, of each tag name and
 * field type (every event is decoded into fresh strings, and a snapshot deserializes fresh ones). Documents read the
 * same (a string is a value), they only share memory, and the indexes, which key by the documents' own values, share
 * it too.
 *
 * Adaptive per path (array elements share their array's path): a path interns its first `MAX_DISTINCT` distinct
 * strings of up to `MAX_LENGTH` characters; once it has seen more, its values are taken to be unique (ids, times,
 * e-mail addresses) and it stops — its table is dropped, nothing is looked up there again. Paths themselves are capped
 * (`MAX_CHILDREN` names under one object path), so documents keyed by ids cannot grow the tables without bound.
 */
export class InternPath {
  static readonly MAX_DISTINCT = 1024;
  static readonly MAX_LENGTH = 64;
  static readonly MAX_CHILDREN = 1024;
  /** A path that interns nothing: beyond the caps. */
  static readonly NONE = new InternPath(false);

  private table: Map<string, string> | undefined;
  private children: Map<string, InternPath> | undefined;

  constructor(interns = true) {
    this.table = interns ? new Map() : undefined;
  }

  /** Whether this path still interns, and how many distinct strings it holds (for tests and measurements). */
  get distinct(): number | undefined {
    return this.table?.size;
  }

  /** The path of field `name` of the object at this path. */
  child(name: string): InternPath {
    if (this === InternPath.NONE) return this;
    let child = this.children?.get(name);
    if (child) return child;
    this.children ??= new Map();
    if (this.children.size >= InternPath.MAX_CHILDREN) return InternPath.NONE;
    this.children.set(name, (child = new InternPath()));
    return child;
  }

  /**
   * The shared copy of `value` (the value itself the first time, or when this path does not intern); with `same`,
   * a value this path does not intern is looked up among the document's own strings.
   */
  intern(value: string, same?: DocumentStrings): string {
    const table = this.table;
    if (table === undefined || value.length > InternPath.MAX_LENGTH) return same ? same.share(value) : value;
    const known = table.get(value);
    if (known !== undefined) return known;
    if (table.size >= InternPath.MAX_DISTINCT) {
      this.table = undefined;
      return same ? same.share(value) : value;
    }
    table.set(value, value);
    return value;
  }
}

/**
 * Equal strings within one document, held once: a snapshot deserializes `sortName` and `search.name`,
 * `sortSubscribedAt` and `subscribedAt`, `sortStamp` and `createdPos`, `search.email` and `email` as two strings
 * each, where the projection made one. Remembers the document's first 32 longer strings; `reset` before each document.
 */
export class DocumentStrings {
  static readonly MIN_LENGTH = 8;
  static readonly MAX_KEPT = 32;
  private readonly kept: string[] = [];
  private size = 0;

  reset(): void {
    this.size = 0;
  }

  share(value: string): string {
    if (value.length < DocumentStrings.MIN_LENGTH) return value;
    const kept = this.kept;
    for (let i = 0; i < this.size; i++) if (kept[i] === value) return kept[i]!;
    if (this.size < DocumentStrings.MAX_KEPT) kept[this.size++] = value;
    return value;
  }
}

/**
 * Replaces, in place, every string of a document that `root` knows by its shared copy, and equal strings within the
 * document by one of them. For documents the store owns and nobody else holds yet (just deserialized from a snapshot).
 */
export function internInPlace(doc: Record<string, unknown>, root: InternPath, same = new DocumentStrings()): void {
  same.reset();
  internValues(doc, root, same);
}

function internValues(value: Record<string, unknown> | unknown[], path: InternPath, same: DocumentStrings): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element = value[i];
      if (typeof element === 'string') value[i] = path.intern(element, same);
      else if (typeof element === 'object' && element !== null) internValues(element as Record<string, unknown>, path, same);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (typeof field === 'string') value[key] = path.child(key).intern(field, same);
    else if (typeof field === 'object' && field !== null) internValues(field as Record<string, unknown>, path.child(key), same);
  }
}
