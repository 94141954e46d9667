import type Database from 'better-sqlite3';
import { jsonData } from '../append-validation';
import type { SnapshotToWrite, StreamSnapshot } from '../port';

interface SnapshotRow {
  readonly revision: bigint;
  readonly event_id: string;
  readonly data: string;
}

/**
 * The `snapshots` table: one row per stream. Writes run inside the store's write transaction, where they check that
 * the stream holds the snapshot's event at its revision (a state read before the stream was deleted and started
 * again fails that check) and that the kept row is older; so every row it holds describes its stream, and reads
 * need no check of their own.
 */
export class SnapshotTable {
  readonly #read: Database.Statement<[string], SnapshotRow>;
  readonly #eventAt: Database.Statement<[string, bigint], string>;
  readonly #upsert: Database.Statement<[string, bigint, string, string]>;
  readonly #delete: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.#read = db
      .prepare<[string], SnapshotRow>('SELECT revision, event_id, data FROM snapshots WHERE stream = ?')
      .safeIntegers(true);
    this.#eventAt = db
      .prepare<[string, bigint], string>('SELECT event_id FROM events WHERE stream = ? AND revision = ?')
      .pluck()
      .safeIntegers(true);
    this.#upsert = db
      .prepare<[string, bigint, string, string]>(
        `INSERT INTO snapshots (stream, revision, event_id, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, event_id = excluded.event_id, data = excluded.data
         WHERE excluded.revision > snapshots.revision`,
      )
      .safeIntegers(true);
    this.#delete = db.prepare<[string]>('DELETE FROM snapshots WHERE stream = ?');
  }

  read(stream: string): StreamSnapshot | undefined {
    const row = this.#read.get(stream);
    return row && { revision: row.revision, eventId: row.event_id, data: JSON.parse(row.data) as unknown };
  }

  /** Inside the write transaction, with its data as `text` (made before, so that nothing throws once rows are written). */
  write({ streamName, revision, eventId }: SnapshotToWrite, text: string): void {
    if (this.#eventAt.get(streamName, revision) === eventId) this.#upsert.run(streamName, revision, eventId, text);
  }

  static text(snapshot: SnapshotToWrite): string {
    return JSON.stringify(jsonData(snapshot.data));
  }

  delete(stream: string): void {
    this.#delete.run(stream);
  }
}
