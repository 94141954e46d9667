import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { BotDirectory, type BotRecord } from '../bot-directory';
import { BotsService } from '../bots.service';
import { AdminOnly } from './auth.guard';
import { parseBody } from './parse';
import { Problem } from './problem';

const timezoneSchema = z.string().max(100).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA timezone');
const createBotSchema = z.object({ name: z.string().trim().min(1).max(200), timezone: timezoneSchema.optional() }).strict();

@ApiTags('bots')
@ApiBearerAuth()
@Controller('v1/bots')
export class BotsController {
  constructor(
    private readonly bots: BotsService,
    private readonly directory: BotDirectory,
  ) {}

  @Post()
  @AdminOnly()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a bot (admin key)' })
  async create(@Body() body: unknown): Promise<BotRecord> {
    const input = parseBody(createBotSchema, body);
    return this.bots.create(input.name, input.timezone ?? null);
  }

  @Get(':botId')
  @ApiOperation({ summary: 'Get a bot' })
  get(@Param('botId') botId: string): BotRecord {
    const bot = this.directory.get(botId);
    if (!bot) throw new Problem(404, 'no such bot');
    return bot;
  }

  @Post(':botId/api-keys')
  @AdminOnly()
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue an API key for one bot (admin key); the key is shown once' })
  issueKey(@Param('botId') botId: string) {
    return this.bots.issueApiKey(botId);
  }
}
