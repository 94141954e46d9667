import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import type { EventStore } from './port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export interface EventStoreConfig {
  /** When set (e.g. from `KURRENTDB_URL`), events live in KurrentDB; otherwise in the SQLite file. */
  readonly kurrentDbUrl?: string;
  /** SQLite database file, e.g. `<data folder>/events.sqlite`, or `':memory:'`. */
  readonly sqliteFile: string;
}

/** Picks the adapter by configuration, never by code (brief.md: "Two ways to run, one code base"). */
export function createEventStore(config: EventStoreConfig): EventStore {
  const url = config.kurrentDbUrl?.trim();
  if (url) return new KurrentDbEventStore({ connectionString: url });
  return new SqliteEventStore({ filename: config.sqliteFile });
}
