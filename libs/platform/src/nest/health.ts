import { Controller, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { SUBJECTS, type HealthReport, type ServiceName } from '@roster/contracts';
import { ok, type Reply } from '@roster/messaging';

/** A controller answering `roster.<service>.health`: the gateway's readiness asks every service through it. */
export function healthController(service: ServiceName): Type<unknown> {
  @Controller()
  class HealthController {
    @MessagePattern(SUBJECTS.health(service))
    health(): Reply<HealthReport> {
      return ok({ service, ready: true });
    }
  }
  Object.defineProperty(HealthController, 'name', { value: `${service.replace(/-./g, (m) => m[1]!.toUpperCase())}HealthController` });
  return HealthController;
}
