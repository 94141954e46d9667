import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyVaultConformance } from '../conformance';
import { KeyUnwrapError } from '../errors';
import { KeyShreddedError } from '../port';
import { SqliteKeyVault } from './sqlite-key-vault';

const tempDirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-key-vault-'));
  tempDirs.push(dir);
  return join(dir, 'nested', 'keys.sqlite');
};
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

keyVaultConformance('SqliteKeyVault', async () => {
  const filename = tempFile();
  return { open: async (masterKey) => new SqliteKeyVault({ filename, masterKey }), dispose: async () => undefined };
});

describe('SqliteKeyVault on disk', () => {
  const masterKey = randomBytes(32);
  const fileBytes = (filename: string) =>
    Buffer.concat([filename, `${filename}-wal`].filter(existsSync).map((file) => readFileSync(file)));
  const storedWrappedKey = (filename: string, subjectId: string) => {
    const db = new Database(filename, { readonly: true });
    try {
      return db.prepare('SELECT wrapped_key FROM data_keys WHERE subject_id = ?').pluck().get(subjectId) as Buffer;
    } finally {
      db.close();
    }
  };

  it('keeps no data key in the clear', async () => {
    const filename = tempFile();
    const vault = new SqliteKeyVault({ filename, masterKey });
    const keys = await Promise.all(['a', 'b', 'c'].map((id) => vault.getOrCreateKey(id)));
    await vault.close();
    const bytes = fileBytes(filename);
    expect(bytes.length).toBeGreaterThan(0);
    for (const key of keys) expect(bytes.includes(Buffer.from(key))).toBe(false);
  });

  it('leaves no trace of a shredded key in the database file or its WAL', async () => {
    const filename = tempFile();
    const vault = new SqliteKeyVault({ filename, masterKey });
    await vault.getOrCreateKey('erased');
    await vault.getOrCreateKey('kept');
    const wrapped = storedWrappedKey(filename, 'erased');
    expect(fileBytes(filename).includes(wrapped)).toBe(true);
    await vault.shred('erased');
    expect(fileBytes(filename).includes(wrapped)).toBe(false);
    expect(fileBytes(filename).includes(storedWrappedKey(filename, 'kept'))).toBe(true);
    await vault.close();
  });

  it('will not unwrap a key that was copied onto another subject', async () => {
    const filename = tempFile();
    const vault = new SqliteKeyVault({ filename, masterKey });
    await vault.getOrCreateKey('victim');
    await vault.getOrCreateKey('attacker');
    const db = new Database(filename);
    db.prepare("UPDATE data_keys SET wrapped_key = ? WHERE subject_id = 'attacker'").run(
      storedWrappedKey(filename, 'victim'),
    );
    db.close();
    await expect(vault.getKey('attacker')).rejects.toBeInstanceOf(KeyUnwrapError);
    await vault.close();
  });

  it('shares keys and erasures between two connections to one file, as two processes would', async () => {
    const filename = tempFile();
    const [first, second] = [new SqliteKeyVault({ filename, masterKey }), new SqliteKeyVault({ filename, masterKey })];
    const key = await first.getOrCreateKey('user-1');
    expect(Buffer.from(await second.getOrCreateKey('user-1'))).toEqual(Buffer.from(key));
    await second.shred('user-1');
    expect(await first.getKey('user-1')).toBeUndefined();
    await expect(first.getOrCreateKey('user-1')).rejects.toThrow('shredded');
    await Promise.all([first.close(), second.close()]);
  });

  it('creates the keys asked for together in one go; a shredded subject among them is refused alone', async () => {
    const filename = tempFile();
    const vault = new SqliteKeyVault({ filename, masterKey });
    await vault.getOrCreateKey('erased');
    await vault.shred('erased');
    const subjects = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const asked = [...subjects, 'erased', ...subjects].map((id) => vault.getOrCreateKey(id).then(
      (key) => Buffer.from(key).toString('hex'),
      (error: unknown) => error,
    ));
    const answers = await Promise.all(asked);
    expect(answers[200]).toBeInstanceOf(KeyShreddedError);
    // Both asks for one subject got the same key, and it is the key the vault keeps.
    expect(answers.slice(0, 200)).toEqual(answers.slice(201));
    expect(new Set(answers.slice(0, 200)).size).toBe(200);
    await vault.close();
    const reopened = new SqliteKeyVault({ filename, masterKey });
    expect(Buffer.from((await reopened.getKey('user-7'))!).toString('hex')).toBe(answers[7]);
    await reopened.close();
  });

  it('writes the creations still waiting when it is closed', async () => {
    const filename = tempFile();
    const vault = new SqliteKeyVault({ filename, masterKey });
    const pending = vault.getOrCreateKey('late');
    await vault.close();
    const key = Buffer.from(await pending).toString('hex');
    const reopened = new SqliteKeyVault({ filename, masterKey });
    expect(Buffer.from((await reopened.getKey('late'))!).toString('hex')).toBe(key);
    await reopened.close();
  });

  it('rejects a master key that is not 32 bytes', () => {
    expect(() => new SqliteKeyVault({ filename: tempFile(), masterKey: randomBytes(16) })).toThrow(/32 bytes, got 16/);
  });
});
