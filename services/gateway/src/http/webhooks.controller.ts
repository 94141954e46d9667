import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SUBJECTS, type WebhookProvider, type WebhookRequest, type WebhookResponse } from '@roster/contracts';
import { INFRA, type Infra } from '@roster/platform';
import { RpcClientService } from '../rpc-client.service';
import { Public } from './auth.guard';

type RawRequest = FastifyRequest & { rawBody?: Buffer };

/**
 * The platforms' native webhooks. Public (the platforms sign instead of sending a key); the raw body goes to
 * ingestion untouched, which verifies the signature and answers what the platform expects.
 */
@ApiTags('webhooks')
@Public()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly rpc: RpcClientService,
    @Inject(INFRA) private readonly infra: Infra,
  ) {}

  @Get('meta')
  @ApiOperation({ summary: 'Meta subscription check (hub.mode, hub.verify_token, hub.challenge)' })
  metaVerify(@Req() request: RawRequest, @Res() reply: FastifyReply) {
    return this.forward('meta', request, reply, undefined);
  }

  @Post('meta')
  @ApiOperation({ summary: 'Messenger and Instagram webhooks (X-Hub-Signature-256)' })
  meta(@Req() request: RawRequest, @Res() reply: FastifyReply) {
    return this.forward('meta', request, reply, request.headers['x-hub-signature-256']);
  }

  @Post('whatsapp')
  @ApiOperation({ summary: 'WhatsApp Cloud API webhooks (X-Hub-Signature-256)' })
  whatsapp(@Req() request: RawRequest, @Res() reply: FastifyReply) {
    return this.forward('whatsapp', request, reply, request.headers['x-hub-signature-256']);
  }

  @Post('twilio/sms')
  @ApiOperation({ summary: 'Twilio SMS webhooks (form-encoded, X-Twilio-Signature)' })
  twilioSms(@Req() request: RawRequest, @Res() reply: FastifyReply) {
    return this.forward('twilio-sms', request, reply, request.headers['x-twilio-signature']);
  }

  @Post('twilio/voice')
  @ApiOperation({ summary: 'Twilio Voice webhooks (form-encoded, X-Twilio-Signature)' })
  twilioVoice(@Req() request: RawRequest, @Res() reply: FastifyReply) {
    return this.forward('twilio-voice', request, reply, request.headers['x-twilio-signature']);
  }

  private async forward(provider: WebhookProvider, request: RawRequest, reply: FastifyReply, signature: string | string[] | undefined): Promise<void> {
    const query = Object.fromEntries(Object.entries((request.query ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const base = this.infra.config.publicUrl ?? `${request.protocol}://${request.headers.host ?? 'localhost'}`;
    const message: WebhookRequest = {
      provider,
      method: request.method === 'GET' ? 'GET' : 'POST',
      url: `${base}${request.url}`,
      query,
      ...(typeof signature === 'string' ? { signature } : {}),
      rawBody: (request.rawBody ?? Buffer.alloc(0)).toString('base64'),
    };
    const answer = await this.rpc.request<WebhookResponse>(SUBJECTS.ingestion.webhook, message);
    void reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
  }
}
