import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyVault } from './create-key-vault';
import { SqliteKeyVault } from './sqlite-key-vault';

describe('createKeyVault', () => {
  it('opens the SQLite vault, creating its folder, when no MongoDB URL is configured', async () => {
    const root = mkdtempSync(join(tmpdir(), 'roster-create-vault-'));
    try {
      const sqliteFile = join(root, 'data', 'key-vault.sqlite');
      const vault = await createKeyVault({ sqliteFile, masterKey: randomBytes(32), mongoUrl: '' });
      expect(vault).toBeInstanceOf(SqliteKeyVault);
      await vault.getOrCreateKey('user-1');
      await vault.close();
      expect(existsSync(sqliteFile)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
