import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ingestRequestSchema, SUBJECTS, type IngestResult } from '@roster/contracts';
import { RequestData, RequestMeta, type Reply, type RpcMeta } from '@roster/messaging';
import { INFRA, parseOrFail, type Infra } from '@roster/platform';
import { IngestionService } from './ingestion.service';

@Controller()
export class IngestionController {
  constructor(
    private readonly ingestion: IngestionService,
    @Inject(INFRA) private readonly infra: Infra,
  ) {}

  @MessagePattern(SUBJECTS.ingestion.ingest)
  async ingest(@RequestData() payload: unknown, @RequestMeta() meta?: RpcMeta): Promise<Reply<IngestResult>> {
    const parsed = parseOrFail(ingestRequestSchema, payload);
    if (!parsed.ok) return parsed;
    const reply = await this.ingestion.ingest(parsed.value.botId, parsed.value.body);
    // Ids and counts only: event bodies hold personal data.
    this.infra.logger.debug(
      { correlationId: meta?.correlationId, botId: parsed.value.botId, ...(reply.ok ? reply.value : { rejected: reply.error.kind }) },
      'ingest',
    );
    return reply;
  }
}
