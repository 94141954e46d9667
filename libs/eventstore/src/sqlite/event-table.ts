import type Database from 'better-sqlite3';
import type { EventToAppend, RecordedEvent } from '../port';
import { jsonData } from '../append-validation';

interface EventRow {
  readonly position: bigint;
  readonly stream: string;
  readonly revision: bigint;
  readonly event_id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly recorded_at: string;
}

const COLUMNS = 'position, stream, revision, event_id, type, data, metadata, recorded_at';

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    streamName: row.stream,
    revision: row.revision,
    position: row.position,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    recordedAt: row.recorded_at,
  };
}

/** Prepared statements over the two tables. Every integer comes back as a bigint (`safeIntegers`). */
export class EventTable {
  readonly #db: Database.Database;
  readonly #lastRevision: Database.Statement<[string], bigint>;
  readonly #hasEvent: Database.Statement<[string], number>;
  readonly #insert: Database.Statement<[string, bigint, string, string, string, string, string]>;
  readonly #readStream: Database.Statement<[string, bigint, number], EventRow>;
  readonly #readAll: Database.Statement<[bigint, number], EventRow>;
  readonly #readAllByPrefixes = new Map<number, Database.Statement<unknown[], EventRow>>();
  readonly #readAllByRanges = new Map<number, Database.Statement<unknown[], EventRow>>();
  readonly #countRange: Database.Statement<[string, string, number], number>;
  /** Per stream prefix: its events (exact up to `fewEvents`, else Infinity), how many rows this table had inserted then, until when trusted (ms). */
  readonly #counts = new Map<string, { count: number; inserted: number; until: number }>();
  /** Rows this table inserted (its own connection's appends). */
  #inserted = 0;
  /** How the last prefix read was answered (for tests). */
  #lastPlan: 'all' | 'ranges' | 'positions' | 'none' = 'none';
  readonly #head: Database.Statement<[], bigint | null>;
  readonly #deleteStream: Database.Statement<[string]>;
  readonly #readCheckpoint: Database.Statement<[string], bigint>;
  readonly #writeCheckpoint: Database.Statement<[string, bigint]>;

  /**
   * @param fewEvents a stream prefix with at most this many events may be read through the (stream, revision) index
   *   (cost ∝ its events) when that is cheaper than walking positions (cost ∝ events after the start); a larger one
   *   is always read by walking positions.
   */
  constructor(
    db: Database.Database,
    private readonly fewEvents = 10_000,
  ) {
    this.#db = db;
    this.#countRange = db
      .prepare<[string, string, number], number>('SELECT count(*) FROM (SELECT 1 FROM events WHERE stream >= ? AND stream < ? LIMIT ?)')
      .pluck();
    this.#lastRevision = db
      .prepare<[string], bigint>('SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1')
      .pluck()
      .safeIntegers(true);
    this.#hasEvent = db.prepare<[string], number>('SELECT 1 FROM events WHERE event_id = ?').pluck();
    this.#insert = db
      .prepare<[string, bigint, string, string, string, string, string]>(
        'INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .safeIntegers(true);
    this.#readStream = db
      .prepare<[string, bigint, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .safeIntegers(true);
    this.#readAll = db
      .prepare<[bigint, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
      .safeIntegers(true);
    this.#head = db.prepare<[], bigint | null>('SELECT MAX(position) FROM events').pluck().safeIntegers(true);
    this.#deleteStream = db.prepare<[string]>('DELETE FROM events WHERE stream = ?');
    this.#readCheckpoint = db
      .prepare<[string], bigint>('SELECT position FROM checkpoints WHERE name = ?')
      .pluck()
      .safeIntegers(true);
    this.#writeCheckpoint = db.prepare<[string, bigint]>(
      'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    );
  }

  lastRevision(stream: string): bigint | undefined {
    return this.#lastRevision.get(stream);
  }

  hasEvent(eventId: string): boolean {
    return this.#hasEvent.get(eventId) !== undefined;
  }

  /** Returns the new event's global position. */
  insert(stream: string, revision: bigint, event: EventToAppend, recordedAt: string): bigint {
    this.#inserted++;
    const { lastInsertRowid } = this.#insert.run(
      stream,
      revision,
      event.id,
      event.type,
      JSON.stringify(jsonData(event.data)),
      JSON.stringify(event.metadata ?? {}),
      recordedAt,
    );
    return BigInt(lastInsertRowid);
  }

  readStream(stream: string, fromRevision: bigint, maxCount: number | undefined): RecordedEvent[] {
    return this.#readStream.all(stream, fromRevision, limit(maxCount)).map(toRecorded);
  }

  readAll(after: bigint, maxCount: number | undefined, prefixes: readonly string[] | undefined): RecordedEvent[] {
    if (prefixes === undefined) {
      this.#lastPlan = 'all';
      return this.#readAll.all(after, limit(maxCount)).map(toRecorded);
    }
    if (prefixes.length === 0) return [];
    const ranges = prefixes.map(prefixRange);
    if (ranges.every((range): range is [string, string] => range !== undefined) && this.rangesAreCheaper(prefixes, ranges, after)) {
      this.#lastPlan = 'ranges';
      const params: unknown[] = [after];
      for (const range of ranges) params.push(...range);
      params.push(limit(maxCount));
      return this.byRanges(prefixes.length).all(...params).map(toRecorded);
    }
    this.#lastPlan = 'positions';
    const params: unknown[] = [after];
    for (const prefix of prefixes) params.push(prefix, prefix);
    params.push(limit(maxCount));
    return this.byPrefixes(prefixes.length).all(...params).map(toRecorded);
  }

  /** How the last prefix read was answered: through the prefixes' index ranges or by walking positions. */
  get lastPlan(): 'all' | 'ranges' | 'positions' | 'none' {
    return this.#lastPlan;
  }

  head(): bigint | undefined {
    return this.#head.get() ?? undefined;
  }

  deleteStream(stream: string): void {
    this.#deleteStream.run(stream);
  }

  readCheckpoint(name: string): bigint | undefined {
    return this.#readCheckpoint.get(name);
  }

  writeCheckpoint(name: string, position: bigint): void {
    this.#writeCheckpoint.run(name, position);
  }

  /**
   * Few events under a prefix (bots, channel connections, catalogs — read whole at every start): fetched through the
   * (stream, revision) index, one range per prefix. `+position` keeps SQLite from walking the table by position instead.
   */
  private byRanges(count: number): Database.Statement<unknown[], EventRow> {
    let statement = this.#readAllByRanges.get(count);
    if (!statement) {
      const where = Array.from({ length: count }, () => '(stream >= ? AND stream < ?)').join(' OR ');
      statement = this.#db
        .prepare<unknown[], EventRow>(`SELECT ${COLUMNS} FROM events WHERE +position > ? AND (${where}) ORDER BY position LIMIT ?`)
        .safeIntegers(true);
      this.#readAllByRanges.set(count, statement);
    }
    return statement;
  }

  /**
   * Reading the prefixes' index ranges costs about their events (plus a sort); walking positions costs every event
   * after `after`. A subscriber that is caught up has few events after it, so it walks positions even for a small
   * category; one starting from the beginning of a large store reads a small category's range. (Choosing by the
   * category's size alone made every live scan of a young, growing category walk its whole range: quadratic.)
   */
  private rangesAreCheaper(prefixes: readonly string[], ranges: readonly [string, string][], after: bigint): boolean {
    const head = this.head();
    if (head === undefined || head <= after) return false;
    const behind = head - after;
    let total = 0;
    for (let i = 0; i < prefixes.length; i++) {
      total += this.eventsUnder(prefixes[i]!, ranges[i]!);
      if (total > this.fewEvents || BigInt(total) >= behind) return false;
    }
    return true;
  }

  /**
   * Events under a prefix: probed through the index (at most `fewEvents` + 1 steps) and trusted for 10 s, plus every
   * row this table inserted since (an upper bound for its own appends; another connection's show at the next probe).
   */
  private eventsUnder(prefix: string, [low, high]: readonly [string, string]): number {
    const now = Date.now();
    let known = this.#counts.get(prefix);
    if (!known || known.until <= now) {
      const count = this.#countRange.get(low, high, this.fewEvents + 1) ?? 0;
      known = { count: count > this.fewEvents ? Infinity : count, inserted: this.#inserted, until: now + 10_000 };
      this.#counts.set(prefix, known);
    }
    return known.count + (this.#inserted - known.inserted);
  }

  // Prefixes are compared with substr, not LIKE: LIKE would treat `_` and `%` in a prefix as wildcards and ignore case.
  private byPrefixes(count: number): Database.Statement<unknown[], EventRow> {
    let statement = this.#readAllByPrefixes.get(count);
    if (!statement) {
      const where = Array.from({ length: count }, () => 'substr(stream, 1, length(?)) = ?').join(' OR ');
      statement = this.#db
        .prepare<unknown[], EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE position > ? AND (${where}) ORDER BY position LIMIT ?`,
        )
        .safeIntegers(true);
      this.#readAllByPrefixes.set(count, statement);
    }
    return statement;
  }
}

/** SQLite reads LIMIT -1 as "no limit". */
function limit(maxCount: number | undefined): number {
  if (maxCount === undefined) return -1;
  return Math.max(0, Math.floor(maxCount));
}

/**
 * The streams starting with `prefix` are those in [prefix, prefix with its last character's code point + 1) in
 * SQLite's BINARY order (UTF-8 bytes, i.e. code points). Undefined when that bound cannot be written (empty prefix,
 * a surrogate or U+FFFF last): the caller scans instead.
 */
export function prefixRange(prefix: string): [string, string] | undefined {
  if (prefix.length === 0) return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if ((last >= 0xd800 && last <= 0xdfff) || last === 0xffff) return undefined;
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1)];
}
