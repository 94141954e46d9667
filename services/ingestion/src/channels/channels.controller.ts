import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { botOnlyRequestSchema, channelRefRequestSchema, connectChannelRequestSchema, SUBJECTS, webhookRequestSchema } from '@roster/contracts';
import { fail, RequestData, type Reply } from '@roster/messaging';
import { answerRequest } from '@roster/platform';
import type { z } from 'zod';
import { ChannelConflictError, ChannelNotFoundError, ChannelsService } from './channels.service';
import { WebhookService } from './webhook.service';

const S = SUBJECTS.ingestion;

const translate = (error: unknown) => {
  if (error instanceof ChannelConflictError) return fail('conflict', error.message);
  if (error instanceof ChannelNotFoundError) return fail('not_found', error.message);
  return undefined;
};

const answer = <Sch extends z.ZodType, T>(schema: Sch, payload: unknown, work: (input: z.infer<Sch>) => Promise<T> | T): Promise<Reply<T>> =>
  answerRequest(schema, payload, work, translate);

/** Channel connections of a bot, and the platforms' native webhooks (forwarded raw by the gateway). */
@Controller()
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly webhooks: WebhookService,
  ) {}

  @MessagePattern(S.connectChannel)
  connect(@RequestData() p: unknown) {
    return answer(connectChannelRequestSchema, p, (r) => this.channels.connect(r.botId, r.type, r.externalId, r.secret, r.verifyToken));
  }

  @MessagePattern(S.listChannels)
  list(@RequestData() p: unknown) {
    return answer(botOnlyRequestSchema, p, (r) => this.channels.list(r.botId));
  }

  @MessagePattern(S.disconnectChannel)
  disconnect(@RequestData() p: unknown) {
    return answer(channelRefRequestSchema, p, async (r) => {
      await this.channels.disconnect(r.botId, r.connectionId);
      return {};
    });
  }

  @MessagePattern(S.webhook)
  webhook(@RequestData() p: unknown) {
    return answer(webhookRequestSchema, p, (r) => this.webhooks.handle(r));
  }
}
