import { Global, Module, type DynamicModule } from '@nestjs/common';
import { INFRA, type Infra } from '../infra';

/** Hands the mode's wired infrastructure to every service module under the INFRA token. */
@Global()
@Module({})
export class InfraModule {
  static forRoot(infra: Infra): DynamicModule {
    return { module: InfraModule, global: true, providers: [{ provide: INFRA, useValue: infra }], exports: [INFRA] };
  }
}
