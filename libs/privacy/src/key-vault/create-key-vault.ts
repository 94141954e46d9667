import type { KeyVault } from '../port';
import { MongoKeyVault } from './mongo-key-vault';
import { SqliteKeyVault } from './sqlite-key-vault';

export interface KeyVaultConfig {
  /** When set, keys live in MongoDB (distributed mode); otherwise in `sqliteFile`. */
  readonly mongoUrl?: string;
  readonly mongoDb?: string;
  readonly sqliteFile: string;
  readonly masterKey: Uint8Array;
}

/** Its own database by default: key vault backups need a shorter retention than read models (erasure reach). */
export const DEFAULT_KEY_VAULT_DB = 'roster_key_vault';

export async function createKeyVault(config: KeyVaultConfig): Promise<KeyVault> {
  if (config.mongoUrl) {
    return MongoKeyVault.connect(config.mongoUrl, config.mongoDb ?? DEFAULT_KEY_VAULT_DB, config.masterKey);
  }
  return new SqliteKeyVault({ filename: config.sqliteFile, masterKey: config.masterKey });
}
