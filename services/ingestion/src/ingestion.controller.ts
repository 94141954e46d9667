import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ingestRequestSchema, SUBJECTS, type IngestResult } from '@roster/contracts';
import { RequestData, type Reply } from '@roster/messaging';
import { parseOrFail } from '@roster/platform';
import { IngestionService } from './ingestion.service';

@Controller()
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @MessagePattern(SUBJECTS.ingestion.ingest)
  async ingest(@RequestData() payload: unknown): Promise<Reply<IngestResult>> {
    const parsed = parseOrFail(ingestRequestSchema, payload);
    if (!parsed.ok) return parsed;
    return this.ingestion.ingest(parsed.value.botId, parsed.value.body);
  }
}
