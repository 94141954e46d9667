/**
 * Messaging ports.
 *
 * Commands and queries travel as request/reply on a NestJS transport: `Transport.NATS` (distributed) or the
 * in-process transport (embedded). Handlers are `@MessagePattern(subject)` methods that return a `Reply` envelope, so
 * that domain errors cross every transport unchanged; callers use `RpcClient`.
 *
 * Integration events that must not be lost travel on an `EventBus`: in distributed mode a checkpointed relay copies
 * the event store to JetStream (`Nats-Msg-Id` = event id) and consumers are durable with explicit acks; in embedded
 * mode consumers read the event store directly from their checkpoint. Both deliver at least once, in the source
 * store's global order; consumers are idempotent (position guard or inbox).
 */
import type { RecordedEvent } from '@roster/eventstore';

/** What every request/reply handler answers. */
export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ReplyError };

export type ReplyErrorKind =
  | 'invalid' // 400: input failed validation; `errors` lists each problem with its path
  | 'not_found' // 404
  | 'conflict' // 409: version conflict or duplicate
  | 'unprocessable' // 422: well-formed but not allowed
  | 'unavailable' // 503: a dependency did not answer
  | 'internal'; // 500

export interface ReplyError {
  readonly kind: ReplyErrorKind;
  readonly message: string;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
  /** Extra machine-readable facts, e.g. `{ existingUserId }` on a duplicate. Never personal data. */
  readonly details?: Record<string, unknown>;
}

/** An event as delivered to consumers: the recorded event plus the name of the store it came from. */
export interface DeliveredEvent extends RecordedEvent {
  /** Which service's store recorded it (`user-profile`, ...): positions are comparable only within one source. */
  readonly source: string;
}

export interface ConsumerOptions {
  /** Durable consumer name, unique per consuming role, e.g. `segmentation-user-list`. No personal data. */
  readonly name: string;
  /** Source services whose events to receive. */
  readonly sources: readonly string[];
  /** Only these event types (default: all of the sources' events). */
  readonly eventTypes?: readonly string[];
  /**
   * Where the consumer's own durable state says it is. `undefined` means "nothing applied yet": delivery starts
   * from the very first event (a rebuild). Otherwise delivery resumes after what was acknowledged; events at or before
   * this position may still be redelivered, and the consumer's position guard skips them.
   */
  readonly resumeAfter: () => Promise<bigint | undefined>;
  /** Largest batch handed over at once (default 256). */
  readonly batchSize?: number;
}

/** Resolves when the batch is applied (then it is acknowledged); a rejection means "deliver it again". */
export type DeliveryHandler = (events: readonly DeliveredEvent[]) => Promise<void>;

export interface ConsumerHandle {
  stop(): Promise<void>;
}

export interface EventBus {
  consume(options: ConsumerOptions, handler: DeliveryHandler): Promise<ConsumerHandle>;
  close(): Promise<void>;
}
