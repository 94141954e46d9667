import { Inject, Injectable } from '@nestjs/common';
import { INFRA, type Infra } from '@roster/platform';

/** The gateway's way to the services: request/reply with the configured timeout; errors map to problems. */
@Injectable()
export class RpcClientService {
  constructor(@Inject(INFRA) private readonly infra: Infra) {}

  request<T>(subject: string, payload: unknown, timeoutMs = this.infra.config.rpcTimeoutMs): Promise<T> {
    return this.infra.rpc.request<T>(subject, payload, { timeoutMs });
  }
}
