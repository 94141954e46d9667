import { runService } from '@roster/platform';
import { GatewayModule } from './gateway.module';
import { configureHttp } from './http/configure-http';

void runService('gateway', GatewayModule, { http: configureHttp });
