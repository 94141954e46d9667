import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { SUBJECTS, type IngestResult, type Page, type UserDetail, type UserSummary } from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import { parseBody } from './parse';

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(2000).optional(),
});

@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/bots/:botId')
export class UsersController {
  constructor(private readonly rpc: RpcClientService) {}

  @Get('users')
  @ApiOperation({ summary: 'List bot users, newest interaction first (keyset pages)' })
  list(@Param('botId') botId: string, @Query() query: unknown): Promise<Page<UserSummary>> {
    const { limit, cursor } = parseBody(listQuerySchema, query);
    return this.rpc.request(SUBJECTS.segmentation.listUsers, { botId, limit, cursor });
  }

  @Get('users/:userId')
  @ApiOperation({ summary: 'One bot user with every detail' })
  get(@Param('botId') botId: string, @Param('userId') userId: string): Promise<UserDetail> {
    return this.rpc.request(SUBJECTS.userProfile.getUser, { botId, userId });
  }

  @Post('events')
  @HttpCode(202)
  @ApiOperation({ summary: 'Ingest one normalized event or { events: [...] } (up to 1000)' })
  ingest(@Param('botId') botId: string, @Body() body: unknown): Promise<IngestResult> {
    return this.rpc.request(SUBJECTS.ingestion.ingest, { botId, body: body ?? null });
  }
}
