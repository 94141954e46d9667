import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@roster/contracts';

/**
 * `npm run start:services`: the six services as six processes over NATS_URL (default the local server), the gateway
 * on PORT. Each process is exactly what a container runs (`node dist/services/<name>/src/main.js`); this launcher only
 * saves typing on a machine without containers. When one process dies, the others are stopped.
 */
const distRoot = join(__dirname, '..', '..');
const env = { ...process.env, NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' };
const children = new Map<string, ChildProcess>();
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  let left = children.size;
  for (const child of children.values()) child.once('exit', () => --left === 0 && process.exit(code));
}

for (const service of SERVICE_NAMES) {
  const child = spawn(process.execPath, [join(distRoot, service, 'src', 'main.js')], { env, stdio: 'inherit' });
  children.set(service, child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`roster: service ${service} exited (${signal ?? code}); stopping the others\n`);
      stopAll(code || 1);
    }
  });
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
