import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MasterKeyMismatchError } from '../errors';
import { KeyShreddedError, type KeyVault } from '../port';
import { newDataKey, sameMasterKeyCheck, unwrapDataKey, vaultSecrets, wrapDataKey } from './key-wrap';
import type { VaultSecrets } from './key-wrap';

export interface SqliteKeyVaultOptions {
  /** Path of the vault's own SQLite file (kept apart from the event store so their backups can differ). */
  readonly filename: string;
  readonly masterKey: Uint8Array;
  readonly now?: () => Date;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS vault_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS data_keys (
    subject_id TEXT PRIMARY KEY, wrapped_key BLOB NOT NULL, created_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS shredded_subjects (subject_id TEXT PRIMARY KEY, shredded_at TEXT NOT NULL) WITHOUT ROWID;
`;

/**
 * Data keys wrapped (AES-256-GCM) under a key derived from the master key: the file alone reveals no data key.
 * Methods are synchronous underneath; the async surface is the port's.
 */
export class SqliteKeyVault implements KeyVault {
  private readonly db: Database.Database;
  private readonly secrets: VaultSecrets;
  private readonly now: () => Date;
  private readonly pendingCreations = new Map<string, { resolve: (wrapped: Uint8Array) => void; reject: (error: unknown) => void }[]>();
  private creationScheduled = false;
  // Prepared once: preparing a statement per call was visible in bench/ingest's profile.
  private readonly statements: {
    readonly wrappedKey: Database.Statement<[string], Buffer>;
    readonly shredded: Database.Statement<[string], unknown>;
    readonly insertKey: Database.Statement<[string, Uint8Array, string]>;
  };

  constructor(options: SqliteKeyVaultOptions) {
    this.secrets = vaultSecrets(options.masterKey);
    this.now = options.now ?? (() => new Date());
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    try {
      // secure_delete zeroes deleted rows in place, so a shredded key's bytes do not linger in free pages.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('secure_delete = ON');
      this.db.exec(SCHEMA);
      this.statements = {
        wrappedKey: this.db.prepare<[string], Buffer>('SELECT wrapped_key FROM data_keys WHERE subject_id = ?').pluck(),
        shredded: this.db.prepare<[string], unknown>('SELECT 1 FROM shredded_subjects WHERE subject_id = ?'),
        insertKey: this.db.prepare<[string, Uint8Array, string]>(
          'INSERT OR IGNORE INTO data_keys (subject_id, wrapped_key, created_at) VALUES (?, ?, ?)',
        ),
      };
      this.checkMasterKey(options.filename);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  async getOrCreateKey(subjectId: string): Promise<Uint8Array> {
    // Reading first spares the common case a write lock; a shred deletes the row, so a row found is never shredded.
    const wrapped = this.wrappedKeyRow(subjectId) ?? (await this.createSoon(subjectId));
    return unwrapDataKey(this.secrets.wrappingKey, subjectId, wrapped);
  }

  async getKey(subjectId: string): Promise<Uint8Array | undefined> {
    const wrapped = this.wrappedKeyRow(subjectId);
    return wrapped && unwrapDataKey(this.secrets.wrappingKey, subjectId, wrapped);
  }

  /**
   * One read transaction for all: alone, each lookup begins its own (WAL-index locks, and a page cache that SQLite
   * drops whenever another connection has committed since: ~10 µs a key at 300k subjects, bench/ingest's profile).
   */
  async getKeys(subjectIds: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const wrapped = this.db.transaction(() => subjectIds.map((id) => this.wrappedKeyRow(id)))();
    return wrapped.map((row, i) => row && unwrapDataKey(this.secrets.wrappingKey, subjectIds[i]!, row));
  }

  async shred(subjectId: string): Promise<void> {
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM data_keys WHERE subject_id = ?').run(subjectId);
        this.db
          .prepare('INSERT OR IGNORE INTO shredded_subjects (subject_id, shredded_at) VALUES (?, ?)')
          .run(subjectId, this.now().toISOString());
      })
      .immediate();
    // The WAL still holds earlier page images with the wrapped key; copying back and truncating drops them.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async isShredded(subjectId: string): Promise<boolean> {
    return this.shreddedRow(subjectId);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.createPending();
    this.db.close();
  }

  /**
   * New keys are created together: every creation asked for before the next turn of the event loop is written in ONE
   * transaction (a batch of 1,000 first contacts is one commit of the vault, not 1,000).
   */
  private createSoon(subjectId: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const waiters = this.pendingCreations.get(subjectId);
      if (waiters) waiters.push({ resolve, reject });
      else this.pendingCreations.set(subjectId, [{ resolve, reject }]);
      if (!this.creationScheduled) {
        this.creationScheduled = true;
        setImmediate(() => this.createPending());
      }
    });
  }

  private createPending(): void {
    this.creationScheduled = false;
    if (this.pendingCreations.size === 0) return;
    const batch = [...this.pendingCreations];
    this.pendingCreations.clear();
    let outcomes: ({ ok: true; wrapped: Uint8Array } | { ok: false; error: unknown })[];
    try {
      outcomes = this.db
        .transaction(() =>
          batch.map(([subjectId]) => {
            try {
              return { ok: true as const, wrapped: this.insertKeyIfAbsent(subjectId) };
            } catch (error) {
              // A refusal writes nothing, so the other subjects of the transaction still get their keys.
              if (error instanceof KeyShreddedError) return { ok: false as const, error };
              throw error;
            }
          }),
        )
        .immediate();
    } catch (error) {
      for (const [, waiters] of batch) for (const waiter of waiters) waiter.reject(error);
      return;
    }
    batch.forEach(([, waiters], i) => {
      const outcome = outcomes[i]!;
      for (const waiter of waiters) {
        if (outcome.ok) waiter.resolve(outcome.wrapped);
        else waiter.reject(outcome.error);
      }
    });
  }

  /** INSERT OR IGNORE then SELECT inside a write transaction: concurrent creators, in any process, read one key. */
  private insertKeyIfAbsent(subjectId: string): Uint8Array {
    if (this.shreddedRow(subjectId)) throw new KeyShreddedError(subjectId);
    this.statements.insertKey.run(subjectId, wrapDataKey(this.secrets.wrappingKey, subjectId, newDataKey()), this.now().toISOString());
    return this.wrappedKeyRow(subjectId) as Uint8Array;
  }

  private wrappedKeyRow(subjectId: string): Uint8Array | undefined {
    return this.statements.wrappedKey.get(subjectId);
  }

  private shreddedRow(subjectId: string): boolean {
    return this.statements.shredded.get(subjectId) !== undefined;
  }

  private checkMasterKey(where: string): void {
    const stored = this.db
      .transaction(() => {
        this.db
          .prepare("INSERT OR IGNORE INTO vault_meta (name, value) VALUES ('master_key_check', ?)")
          .run(this.secrets.masterKeyCheck);
        return this.db
          .prepare<[], Buffer>("SELECT value FROM vault_meta WHERE name = 'master_key_check'")
          .pluck()
          .get() as Buffer;
      })
      .immediate();
    if (!sameMasterKeyCheck(stored, this.secrets.masterKeyCheck)) throw new MasterKeyMismatchError(where);
  }
}
