import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * What a thread of the built service code compiles at start (targets.md T6, T5): each of embedded mode's threads loads
 * the six service modules, and the production clients (MongoDB, KurrentDB, NATS) load only where a service uses them
 * (`.swcrc`'s `module.lazy`), not for an adapter the barrels merely export. Runs `dist`, as the other e2e suites; the
 * distributed ones show that a client still loads where it is used.
 */
describe('Built code at start', () => {
  const PRODUCTION_CLIENTS = ['mongodb', '@kurrent/kurrentdb-client', '@grpc/grpc-js', '@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/nats-core'];

  /** The packages under node_modules that requiring `file` (relative to dist/services) loads, by name. */
  const packagesLoadedBy = (file: string): string[] => {
    const script = `
      require(${JSON.stringify(join(ROOT, 'dist', 'services', file))});
      const names = new Set(Object.keys(require.cache).map((p) => p.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/)?.[1]).filter(Boolean));
      process.stdout.write(JSON.stringify([...names]));`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as string[];
  };

  it('embedded mode loads no production client: every service module, as each thread loads them', () => {
    const loaded = packagesLoadedBy(join('all-in-one', 'src', 'modules.js'));
    expect(loaded).toEqual(expect.arrayContaining(['@nestjs/core', 'better-sqlite3']));
    expect(loaded.filter((name) => PRODUCTION_CLIENTS.includes(name))).toEqual([]);
  });
});
