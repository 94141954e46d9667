import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MasterKeyConfigError } from '../errors';
import { loadMasterKey } from './master-key';

describe('loadMasterKey', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'roster-master-key-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('takes the key from ROSTER_MASTER_KEY and writes no file', async () => {
    const key = randomBytes(32);
    const dataDir = join(root, 'data');
    expect(Buffer.from(await loadMasterKey({ envValue: ` ${key.toString('base64')}\n`, dataDir }))).toEqual(key);
    expect(() => statSync(dataDir)).toThrow(/ENOENT/);
  });

  it.each([
    ['a key of the wrong length', randomBytes(16).toString('base64'), /32-byte key in base64 \(it decodes to 16 bytes/],
    ['text that is not base64', 'not a key!', /not base64/],
  ])('refuses %s in ROSTER_MASTER_KEY with a clear message', async (_, envValue, message) => {
    const loading = loadMasterKey({ envValue, dataDir: root });
    await expect(loading).rejects.toBeInstanceOf(MasterKeyConfigError);
    await expect(loadMasterKey({ envValue, dataDir: root })).rejects.toThrow(message);
    await expect(loadMasterKey({ envValue, dataDir: root })).rejects.toThrow(/ROSTER_MASTER_KEY/);
  });

  it('creates <dataDir>/master.key readable by its owner only on first start, then reuses it', async () => {
    const dataDir = join(root, 'nested', 'data');
    const first = await loadMasterKey({ envValue: '', dataDir });
    const file = join(dataDir, 'master.key');
    expect(first).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(Buffer.from(first));
    expect(Buffer.from(await loadMasterKey({ dataDir }))).toEqual(Buffer.from(first));
    expect(readdirSync(dataDir)).toEqual(['master.key']);
  });

  it('agrees on one key when several processes start at once', async () => {
    const keys = await Promise.all(Array.from({ length: 10 }, () => loadMasterKey({ dataDir: root })));
    expect(new Set(keys.map((key) => Buffer.from(key).toString('hex'))).size).toBe(1);
    expect(readdirSync(root)).toEqual(['master.key']);
  });

  it('refuses a damaged master.key, naming the file', async () => {
    const file = join(root, 'master.key');
    writeFileSync(file, 'c2hvcnQ=\n');
    await expect(loadMasterKey({ dataDir: root })).rejects.toThrow(`${file} must hold a 32-byte key`);
  });
});
