import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { connectChannelRequestSchema, SUBJECTS, type ChannelConnection } from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import { parseBody } from './parse';

const connectBodySchema = connectChannelRequestSchema.omit({ botId: true }).strict();

/** Channel connections: which platform account (page, IG account, WhatsApp number id, Twilio number) feeds a bot. */
@ApiTags('channels')
@ApiBearerAuth()
@Controller('v1/bots/:botId/channels')
export class ChannelsController {
  constructor(private readonly rpc: RpcClientService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Connect a platform account (the secret is stored encrypted and never returned)' })
  connect(@Param('botId') botId: string, @Body() body: unknown): Promise<ChannelConnection> {
    return this.rpc.request(SUBJECTS.ingestion.connectChannel, { botId, ...parseBody(connectBodySchema, body) });
  }

  @Get()
  @ApiOperation({ summary: "List the bot's channel connections" })
  list(@Param('botId') botId: string): Promise<ChannelConnection[]> {
    return this.rpc.request(SUBJECTS.ingestion.listChannels, { botId });
  }

  @Delete(':connectionId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disconnect (the stored secret is shredded)' })
  async disconnect(@Param('botId') botId: string, @Param('connectionId') connectionId: string): Promise<void> {
    await this.rpc.request(SUBJECTS.ingestion.disconnectChannel, { botId, connectionId });
  }
}
