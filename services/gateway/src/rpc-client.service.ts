import { Inject, Injectable } from '@nestjs/common';
import { INFRA, type Infra } from '@roster/platform';
import { currentRequestId } from './request-context';

/**
 * The gateway's way to the services: request/reply with the configured timeout; errors map to problems. The HTTP
 * request id travels as the correlation id, so one operation's log lines join up across services.
 *
 * A singleton that finds the request through `AsyncLocalStorage` (request-context.ts). It used to inject Nest's
 * `REQUEST`, which made it and every controller using it request-scoped: Nest then built a controller and its
 * guard/pipe/filter contexts for every HTTP request, a few percent of the gateway's CPU under search load.
 */
@Injectable()
export class RpcClientService {
  constructor(@Inject(INFRA) private readonly infra: Infra) {}

  request<T>(subject: string, payload: unknown, timeoutMs = this.infra.config.rpcTimeoutMs): Promise<T> {
    return this.infra.rpc.request<T>(subject, payload, { timeoutMs, correlationId: currentRequestId() });
  }
}
