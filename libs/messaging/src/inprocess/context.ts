import { BaseRpcContext } from '@nestjs/microservices';

/** What `@Ctx()` gives a handler served by the in-process transport. */
export class InProcessContext extends BaseRpcContext<[string]> {
  getSubject(): string {
    return this.args[0];
  }
}
