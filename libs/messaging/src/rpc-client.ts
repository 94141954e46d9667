import { randomUUID } from 'node:crypto';
import type { ClientProxy } from '@nestjs/microservices';
import { EmptyError, TimeoutError, firstValueFrom, timeout } from 'rxjs';
import type { ReplyError } from './port';
import { isReply } from './reply';
import { RpcReplyError, RpcTimeoutError, RpcUnavailableError } from './rpc-errors';
import type { RpcRequest } from './rpc-request';

export interface RequestOptions {
  /** Default 5000. */
  readonly timeoutMs?: number;
  /** Propagate the caller's id (e.g. the HTTP request id); a new UUID otherwise. */
  readonly correlationId?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** What RpcClient needs of a Nest client; structural, so ClientNats and InProcessClient fit whatever their generics. */
export type RequestTransport = Pick<ClientProxy, 'send' | 'close'>;

/**
 * Request/reply over any Nest `ClientProxy` (ClientNats or InProcessClient). Sends `{ meta: { correlationId }, data }`
 * and unwraps the handler's `Reply` envelope, so callers see either the value or one of the `RpcError` subclasses.
 */
export class RpcClient {
  constructor(
    private readonly proxy: RequestTransport,
    private readonly defaults: { readonly timeoutMs?: number } = {},
  ) {}

  async request<T>(subject: string, payload: unknown, options: RequestOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const meta = { correlationId: options.correlationId ?? randomUUID(), deadline: Date.now() + timeoutMs };
    const envelope: RpcRequest = { meta, data: payload };
    let answer: unknown;
    try {
      answer = await firstValueFrom(this.proxy.send(subject, envelope).pipe(timeout({ first: timeoutMs })));
    } catch (error) {
      throw translateTransportError(error, subject, timeoutMs);
    }
    if (!isReply(answer)) {
      throw new RpcReplyError(subject, { kind: 'internal', message: `handler of ${subject} did not answer a Reply` });
    }
    if (!answer.ok) throw new RpcReplyError(subject, answer.error);
    return answer.value as T;
  }

  close(): Promise<void> {
    return Promise.resolve(this.proxy.close());
  }
}

/** Errors a programmer must see as they are (e.g. a bigint in a payload), not as an outage. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError];

function translateTransportError(error: unknown, subject: string, timeoutMs: number): unknown {
  if (error instanceof TimeoutError) return new RpcTimeoutError(subject, timeoutMs);
  if (error instanceof EmptyError) {
    return new RpcReplyError(subject, { kind: 'internal', message: `handler of ${subject} answered nothing` });
  }
  if (PROGRAMMING_ERRORS.some((type) => error instanceof type)) return error;
  if (error instanceof Error) {
    // EmptyResponseException (no responders), nats.js connection errors, "Connection closed" on close().
    return new RpcUnavailableError(subject, error.message, { cause: error });
  }
  if (typeof error === 'string') return new RpcUnavailableError(subject, error);
  return new RpcReplyError(subject, serverSideError(error, subject));
}

/** What Nest sends when a handler throws instead of answering a `Reply`: `{ status, message }` or an RpcException body. */
function serverSideError(error: unknown, subject: string): ReplyError {
  const failed = isReply({ ok: false, error }) ? (error as ReplyError) : undefined;
  if (failed) return failed;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return { kind: 'internal', message: typeof message === 'string' ? message : `handler of ${subject} failed` };
}
