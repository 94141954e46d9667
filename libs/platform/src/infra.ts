import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { EventStore } from '@roster/eventstore';
import type { ReadStore } from '@roster/readstore';
import type { EventBus, RpcClient } from '@roster/messaging';
import type { PiiCodec, Pseudonymizer } from '@roster/privacy';
import type { RosterConfig } from './config';
import type { EventCodec } from './event-codec';

/** Nest injection token of the `Infra` a service runs on. */
export const INFRA = Symbol.for('roster.infra');

/**
 * What a service needs from the outside world, already wired for the mode it runs in. Embedded mode hands every
 * service the same instances (one SQLite store, one embedded read store, the in-process transport); distributed mode
 * builds one per process from the URLs in the configuration.
 */
export interface Infra {
  readonly mode: 'embedded' | 'distributed';
  readonly config: RosterConfig;
  /** The store this service owns (in embedded mode, the one shared store). */
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly eventBus: EventBus;
  readonly codec: EventCodec;
  readonly pii: PiiCodec;
  readonly pseudonymizer: Pseudonymizer;
  readonly rpc: RpcClient;
  readonly logger: Logger;
  /** The NATS connection in distributed mode (for JetStream intake such as channel connectors); absent embedded. */
  readonly nats?: NatsConnection;
}
