import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { defineFieldRequestSchema, defineTagRequestSchema, SUBJECTS, type FieldDefinition, type TagDefinition } from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import { parseBody } from './parse';

const defineTagBodySchema = defineTagRequestSchema.omit({ botId: true }).strict();
const defineFieldBodySchema = defineFieldRequestSchema.omit({ botId: true }).strict();

/** A bot's catalog: the tags and custom fields its users can carry. Names and keys are unique per bot (409). */
@ApiTags('catalog')
@ApiBearerAuth()
@Controller('v1/bots/:botId')
export class CatalogController {
  constructor(private readonly rpc: RpcClientService) {}

  @Get('tags')
  @ApiOperation({ summary: 'The bot\'s tags' })
  listTags(@Param('botId') botId: string): Promise<TagDefinition[]> {
    return this.rpc.request(SUBJECTS.userProfile.listTags, { botId });
  }

  @Post('tags')
  @HttpCode(201)
  @ApiOperation({ summary: 'Define a tag: { "name" } (unique per bot, case-insensitively)' })
  defineTag(@Param('botId') botId: string, @Body() body: unknown): Promise<TagDefinition> {
    const { name } = parseBody(defineTagBodySchema, body);
    return this.rpc.request(SUBJECTS.userProfile.defineTag, { botId, name });
  }

  @Get('fields')
  @ApiOperation({ summary: 'The bot\'s custom field definitions' })
  listFields(@Param('botId') botId: string): Promise<FieldDefinition[]> {
    return this.rpc.request(SUBJECTS.userProfile.listFields, { botId });
  }

  @Post('fields')
  @HttpCode(201)
  @ApiOperation({ summary: 'Define a custom field: { "key", "label"?, "type": "text"|"number"|"date"|"datetime"|"boolean" }' })
  defineField(@Param('botId') botId: string, @Body() body: unknown): Promise<FieldDefinition> {
    const input = parseBody(defineFieldBodySchema, body);
    return this.rpc.request(SUBJECTS.userProfile.defineField, { botId, ...input });
  }
}
