import { Payload } from '@nestjs/microservices';
import type { PipeTransform, Type } from '@nestjs/common';

/**
 * Correlation travels inside the payload, as `{ meta, data }`, rather than in transport headers: Nest's NATS
 * transport exposes headers only through a NATS-specific context and record builder, whereas a payload field crosses
 * every transport (NATS, in-process, a raw `nc.request`) unchanged and is visible to the handler's parameters.
 */
export interface RpcMeta {
  /** Joins the log lines of one operation across services. Opaque; never personal data. */
  readonly correlationId: string;
  /**
   * Epoch milliseconds after which the caller no longer waits for the answer (its timeout). Long work (counts) may
   * stop then instead of running on for nobody. A hint across machines: it assumes roughly synchronized clocks.
   */
  readonly deadline?: number;
}

export interface RpcRequest<T = unknown> {
  readonly meta: RpcMeta;
  readonly data: T;
}

/** The caller's payload of a `@MessagePattern` handler: `handle(@RequestData(zodPipe) input: CreateUser)`. */
export const RequestData = (...pipes: (Type<PipeTransform> | PipeTransform)[]): ParameterDecorator =>
  Payload('data', ...pipes);

/** The request's `RpcMeta` (correlation id), for logging: `handle(@RequestMeta() meta: RpcMeta)`. */
export const RequestMeta = (): ParameterDecorator => Payload('meta');

/** Reads the correlation id from a raw request payload; undefined when the sender did not use `RpcClient`. */
export function correlationIdOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const meta = (payload as { meta?: unknown }).meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const id = (meta as { correlationId?: unknown }).correlationId;
  return typeof id === 'string' ? id : undefined;
}

/** The caller's deadline from a raw request payload (see `RpcMeta.deadline`); undefined when it sent none. */
export function deadlineOf(meta: unknown): number | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const deadline = (meta as { deadline?: unknown }).deadline;
  return typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : undefined;
}
