import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE } from '@roster/platform';
import { MetricsScraper, SCRAPE_TIMEOUT_MS } from '../metrics-scraper';
import { AdminOnly } from './auth.guard';

/** Prometheus scrape endpoint for the whole deployment; the admin key is the scrape job's bearer token. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly scraper: MetricsScraper) {}

  @Get()
  @AdminOnly()
  @ApiOperation({
    summary: 'Prometheus metrics of every service (admin key)',
    description:
      'Prometheus text exposition format 0.0.4. Every sample carries a `service` label; the gateway gathers the other ' +
      `services' metrics at each scrape (${SCRAPE_TIMEOUT_MS} ms each, in parallel) and reports one that does not answer ` +
      'as `roster_metrics_scrape_up{service="…"} 0` instead of failing. See docs/operations.md for the metrics.',
  })
  @ApiProduces(PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'The metrics', content: { [PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } } })
  @ApiUnauthorizedResponse({ description: 'No admin key (problem+json); a bot key answers 404' })
  async metrics(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const text = await this.scraper.scrape(typeof request.id === 'string' ? request.id : undefined);
    void reply.status(200).header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(text);
  }
}
