import { AsyncLocalStorage } from 'node:async_hooks';

/** What the gateway remembers of the HTTP request being served: its id (pino-http's, else Fastify's). */
interface RequestLike {
  readonly id?: unknown;
  readonly raw?: { readonly id?: unknown };
}

const current = new AsyncLocalStorage<RequestLike>();

/**
 * Runs the rest of a request's handling (`done`) with the request as the current one. Installed as a Fastify
 * `preHandler` hook: after the body is read, so the context survives the stream events of body parsing, and before
 * Nest's handler, so everything the handler starts runs inside it.
 */
export function withCurrentRequest(request: RequestLike, done: () => void): void {
  current.run(request, done);
}

/**
 * The id of the HTTP request being served: the one the access log shows (pino-http's, from `x-request-id` or a new
 * UUID), else Fastify's own; undefined outside a request.
 */
export function currentRequestId(): string | undefined {
  const request = current.getStore();
  const id = request?.raw?.id ?? request?.id;
  return typeof id === 'string' ? id : undefined;
}
