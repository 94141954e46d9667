import { Controller, Inject, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { z } from 'zod';
import { SUBJECTS, type MetricsReport, type ServiceName } from '@roster/contracts';
import { RequestData, type Reply } from '@roster/messaging';
import { INFRA, type Infra } from './infra';
import { serviceMetricFamilies } from './metrics';
import { answerRequest } from './validation';

const metricsRequestSchema = z.object({}).strict();

/** A controller answering `<ns>.<service>.metrics` with that service's metric families; the gateway merges them. */
export function metricsController(service: ServiceName): Type<unknown> {
  @Controller()
  class MetricsController {
    constructor(@Inject(INFRA) private readonly infra: Infra) {}

    @MessagePattern(SUBJECTS.metrics(service))
    metrics(@RequestData() payload: unknown): Promise<Reply<MetricsReport>> {
      return answerRequest(metricsRequestSchema, payload ?? {}, async () => ({ service, families: await serviceMetricFamilies(this.infra, service) }));
    }
  }
  Object.defineProperty(MetricsController, 'name', { value: `${service.replace(/-./g, (m) => m[1]!.toUpperCase())}MetricsController` });
  return MetricsController;
}
