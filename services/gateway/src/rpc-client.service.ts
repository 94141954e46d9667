import { Inject, Injectable, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { INFRA, type Infra } from '@roster/platform';

/**
 * The gateway's way to the services: request/reply with the configured timeout; errors map to problems. The HTTP
 * request id travels as the correlation id, so one operation's log lines join up across services.
 */
@Injectable({ scope: Scope.REQUEST })
export class RpcClientService {
  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    @Inject(REQUEST) private readonly httpRequest: { id?: unknown } | undefined,
  ) {}

  request<T>(subject: string, payload: unknown, timeoutMs = this.infra.config.rpcTimeoutMs): Promise<T> {
    const id = this.httpRequest?.id;
    return this.infra.rpc.request<T>(subject, payload, { timeoutMs, correlationId: typeof id === 'string' ? id : undefined });
  }
}
