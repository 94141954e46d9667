import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * What a thread of the built service code compiles at start (targets.md T6, T5): each of embedded mode's threads loads
 * the modules of the services placed in it (`EMBEDDED_MODULES` holds loaders), and the production clients (MongoDB,
 * KurrentDB, NATS) and the HTTP server (Fastify) load only where they are used (`.swcrc`'s `module.lazy`), not for
 * what the barrels merely export. Runs `dist`, as the other e2e suites; the distributed ones show that a client
 * still loads where it is used.
 */
describe('Built code at start', () => {
  const PRODUCTION_CLIENTS = ['mongodb', '@kurrent/kurrentdb-client', '@grpc/grpc-js', '@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/nats-core'];

  /** The packages under node_modules and the files under dist/services that loading the `services`' modules loads. */
  const loadedFor = (services: readonly string[]): { packages: string[]; serviceDirs: string[] } => {
    const script = `
      const { EMBEDDED_MODULES } = require(${JSON.stringify(join(ROOT, 'dist', 'services', 'all-in-one', 'src', 'modules.js'))});
      Promise.all(${JSON.stringify(services)}.map((service) => EMBEDDED_MODULES[service]())).then(() => {
        const files = Object.keys(require.cache);
        const packages = new Set(files.map((p) => p.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/)?.[1]).filter(Boolean));
        const serviceDirs = new Set(files.map((p) => p.match(/dist\\/services\\/([^/]+)\\//)?.[1]).filter(Boolean));
        process.stdout.write(JSON.stringify({ packages: [...packages], serviceDirs: [...serviceDirs].sort() }));
      });`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as {
      packages: string[];
      serviceDirs: string[];
    };
  };

  it('embedded mode loads no production client, whichever services a thread runs', () => {
    const { packages } = loadedFor(['gateway', 'ingestion', 'user-profile', 'segmentation', 'import', 'compliance']);
    expect(packages).toEqual(expect.arrayContaining(['@nestjs/core', 'better-sqlite3']));
    expect(packages.filter((name) => PRODUCTION_CLIENTS.includes(name))).toEqual([]);
  });

  it('a thread loads the code of its own services only, and a worker no HTTP server', () => {
    const segmentation = loadedFor(['segmentation']);
    expect(segmentation.serviceDirs).toEqual(['all-in-one', 'segmentation']);
    expect(segmentation.packages.filter((name) => ['fastify', '@nestjs/platform-fastify'].includes(name))).toEqual([]);
    expect(loadedFor(['gateway', 'import', 'compliance']).serviceDirs).toEqual(['all-in-one', 'compliance', 'gateway', 'import']);
  });
});
