import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { createEmbeddedInfra } from './runtime';

/**
 * The real embedded wiring (SQLite store, embedded read store, in-process transport, SQLite key vault) on a fresh
 * temporary data folder, for service-level tests. `dispose()` closes it and deletes the folder.
 */
export async function createTestInfra() {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-test-'));
  const infra = await createEmbeddedInfra(loadConfig({ ROSTER_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('test', 'silent'));
  return Object.assign(infra, {
    dataDir,
    async dispose() {
      await infra.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
export type TestInfra = Awaited<ReturnType<typeof createTestInfra>>;
