import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { healthController } from '@roster/platform';
import { BotDirectory } from './bot-directory';
import { BotsService } from './bots.service';
import { AuthGuard } from './http/auth.guard';
import { BotsController } from './http/bots.controller';
import { ChannelsController } from './http/channels.controller';
import { WebhooksController } from './http/webhooks.controller';
import { CatalogController } from './http/catalog.controller';
import { HealthController } from './http/health.controller';
import { MetricsController } from './http/metrics.controller';
import { ProblemFilter } from './http/problem.filter';
import { SearchController } from './http/search.controller';
import { SegmentsController } from './http/segments.controller';
import { UserRecordController } from './http/user-record.controller';
import { UsersController } from './http/users.controller';
import { MetricsScraper } from './metrics-scraper';
import { RpcClientService } from './rpc-client.service';

/** The operators' HTTP API: auth, tenancy, validation, problem+json, routing to the services. */
@Module({
  controllers: [
    BotsController,
    UsersController,
    UserRecordController,
    CatalogController,
    SearchController,
    SegmentsController,
    ChannelsController,
    WebhooksController,
    HealthController,
    MetricsController,
    healthController('gateway'),
  ],
  providers: [
    BotDirectory,
    BotsService,
    RpcClientService,
    MetricsScraper,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
export class GatewayModule {}
