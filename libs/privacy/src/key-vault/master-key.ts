import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MasterKeyConfigError } from '../errors';

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface MasterKeySource {
  /** The value of `ROSTER_MASTER_KEY`: 32 bytes in base64. Empty counts as unset. */
  readonly envValue?: string;
  /** Where `master.key` is read from, or created on first start when no env value is given. */
  readonly dataDir: string;
}

/**
 * The env value wins (distributed mode, secrets from the orchestrator); otherwise `<dataDir>/master.key`, created
 * on first start so embedded mode needs no setup. The file holds base64 text so it can be moved into the env var.
 */
export async function loadMasterKey(source: MasterKeySource): Promise<Uint8Array> {
  const envValue = source.envValue?.trim();
  if (envValue) return decodeMasterKey(envValue, 'ROSTER_MASTER_KEY');
  const file = join(source.dataDir, MASTER_KEY_FILE);
  const text = (await readIfPresent(file)) ?? (await createIfAbsent(source.dataDir, file));
  return decodeMasterKey(text.trim(), file);
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function decodeMasterKey(text: string, origin: string): Uint8Array {
  const bytes = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (bytes?.length !== MASTER_KEY_BYTES) {
    throw new MasterKeyConfigError(
      `${origin} must hold a ${MASTER_KEY_BYTES}-byte key in base64` +
        (bytes ? ` (it decodes to ${bytes.length} bytes)` : ' (it is not base64)') +
        '; make one with: openssl rand -base64 32',
    );
  }
  return new Uint8Array(bytes);
}

/**
 * Writes a complete temporary file and links it into place: `link` fails when the target exists, so two processes
 * starting together agree on one key, and neither ever reads a half-written file.
 */
async function createIfAbsent(dataDir: string, file: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const text = `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`;
  await writeFile(temp, text, { mode: 0o600, flag: 'wx', flush: true });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  return readFile(file, 'utf8');
}
