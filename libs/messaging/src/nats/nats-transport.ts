import { ServerNats, Transport, type CustomStrategy, type NatsOptions } from '@nestjs/microservices';

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

/** What the server needs of its nats.js connection (Nest types it `any`). */
interface NatsConnection {
  flush(): Promise<void>;
}

/**
 * Nest's NATS server, except that `listen()` resolves only once the NATS server has the subscriptions. Nest's own
 * resolves as soon as it has *sent* them: a request from another connection right after (a gateway asking a service
 * that just said it started, a test) could reach the server before them and find nobody listening ("no responders").
 * A flush is a PING/PONG round trip, and the server handles a connection's protocol in order.
 */
export class SubscribedNatsServer extends ServerNats {
  private connection: NatsConnection | undefined;

  override bindEvents(client: NatsConnection): void {
    this.connection = client;
    super.bindEvents(client);
  }

  override start(callback: (err?: unknown, ...optionalParams: unknown[]) => void): void {
    super.start((err?: unknown) => {
      if (err !== undefined && err !== null) return callback(err);
      const connection = this.connection;
      if (!connection) return callback();
      connection.flush().then(
        () => callback(),
        (flushError: unknown) => callback(flushError),
      );
    });
  }
}

/**
 * For `connectMicroservice`/`createMicroservice`: every `@MessagePattern` subscribes in the service's queue group,
 * so a request reaches exactly one of its instances. Reconnects forever: a service outlives NATS restarts.
 * `listen()` resolves once NATS has the subscriptions (`SubscribedNatsServer`).
 */
export function natsServerOptions(settings: NatsTransportSettings): CustomStrategy {
  const options: NonNullable<NatsOptions['options']> = {
    servers: servers(settings.url),
    name: `roster-${settings.service}-server`,
    queue: settings.service,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    // Stop taking requests, let the in-flight ones answer, then close.
    gracefulShutdown: true,
    gracePeriod: settings.gracePeriodMs ?? 2000,
  };
  return { strategy: new SubscribedNatsServer(options) };
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
