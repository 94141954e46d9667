import { Transport, type NatsOptions } from '@nestjs/microservices';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface NatsTransportSettings {
  /** One URL or a comma-separated list (`NATS_URL`); default `nats://127.0.0.1:4222`. */
  readonly url?: string;
  /** Service name (`user-profile`): the queue group its instances share, and the connection name shown by NATS. */
  readonly service: string;
  /** Server side: how long in-flight requests may take to answer on shutdown (default 2000 ms). */
  readonly gracePeriodMs?: number;
}

type NatsTransportOptions = NatsOptions & { transport: Transport.NATS; options: NonNullable<NatsOptions['options']> };

export function natsUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.NATS_URL?.trim() || DEFAULT_NATS_URL;
}

function servers(url: string | undefined): string[] {
  return (url ?? DEFAULT_NATS_URL)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * For `connectMicroservice`/`createMicroservice`: every `@MessagePattern` subscribes in the service's queue group,
 * so a request reaches exactly one of its instances. Reconnects forever: a service outlives NATS restarts.
 */
export function natsServerOptions(settings: NatsTransportSettings): NatsTransportOptions {
  return {
    transport: Transport.NATS,
    options: {
      servers: servers(settings.url),
      name: `roster-${settings.service}-server`,
      queue: settings.service,
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      // Stop taking requests, let the in-flight ones answer, then close.
      gracefulShutdown: true,
      gracePeriod: settings.gracePeriodMs ?? 2000,
    },
  };
}

/** For `ClientProxyFactory.create` (then wrap it in `RpcClient`). */
export function natsClientOptions(settings: NatsTransportSettings): NatsTransportOptions {
  return {
    transport: Transport.NATS,
    options: {
      servers: servers(settings.url),
      name: `roster-${settings.service}-client`,
      maxReconnectAttempts: -1,
      // No stack trace captured per request (see runtime.ts); timeouts still name their subject.
      noAsyncTraces: true,
    },
  };
}
