import { Socket } from 'node:net';

/** Why a suite that needs a server runs or skips. */
export interface Probe {
  readonly available: boolean;
  readonly reason: string;
}

export const natsUrl = (): string => process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export async function probeNats(url = natsUrl()): Promise<Probe> {
  const first = url.split(',')[0]!.replace(/^nats:\/\//, '').replace(/^.*@/, '');
  const [host, port] = first.split(':');
  const ok = await tcpReachable(host || '127.0.0.1', Number(port || 4222));
  return ok ? { available: true, reason: `NATS answers at ${url}` } : { available: false, reason: `no NATS server answers at ${url}` };
}

export function probeEnvUrl(variable: 'MONGO_URL' | 'KURRENTDB_URL'): Probe {
  return process.env[variable]
    ? { available: true, reason: `${variable} is set` }
    : { available: false, reason: `${variable} is not set and no container runtime could start one (${process.env.ROSTER_CONTAINER_RUNTIME ?? 'container start not attempted'})` };
}

/**
 * `describe` for suites that need a server: runs when the probe says it is there, otherwise prints why and skips.
 * Under CI=true a NATS suite never skips: a missing server fails the run instead (see global-setup.js).
 */
export function describeWhen(probe: Probe, title: string, body: () => void): void {
  if (probe.available) {
    describe(title, body);
    return;
  }
  // stderr directly: Jest drops console output of a file whose tests are all skipped.
  process.stderr.write(`[skip] ${title}: ${probe.reason}\n`);
  describe.skip(title, body);
}

/** Synchronous NATS probe result prepared by Jest's globalSetup (suites cannot await before `describe`). */
export function natsProbeFromSetup(): Probe {
  const state = process.env.ROSTER_TEST_NATS;
  if (state === 'up') return { available: true, reason: `NATS answers at ${natsUrl()}` };
  return { available: false, reason: process.env.ROSTER_TEST_NATS_REASON ?? `no NATS server answers at ${natsUrl()}` };
}
