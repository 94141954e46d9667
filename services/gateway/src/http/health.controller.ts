import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SERVICE_NAMES, SUBJECTS, type HealthReport } from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import { Public } from './auth.guard';

/** Liveness: the process answers. Readiness: every one of the six services answers its health subject. */
@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly rpc: RpcClientService) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const answers = await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        try {
          const report = await this.rpc.request<HealthReport>(SUBJECTS.health(service), {}, 2000);
          return [service, report.ready ? 'ready' : 'not ready'] as const;
        } catch {
          return [service, 'unreachable'] as const;
        }
      }),
    );
    const services = Object.fromEntries(answers);
    const ready = answers.every(([, state]) => state === 'ready');
    void reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', services });
  }
}
