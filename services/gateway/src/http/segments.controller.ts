import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  createSegmentRequestSchema,
  searchUsersRequestSchema,
  SUBJECTS,
  updateSegmentRequestSchema,
  type CountResult,
  type Page,
  type Segment,
  type UserSummary,
} from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import { parseBody } from './parse';

/** A segment is saved with a filter (`{ "all": [] }` for everyone); the filter itself is segmentation's to check. */
const createBodySchema = createSegmentRequestSchema
  .omit({ botId: true })
  .extend({ filter: z.unknown().refine((value) => value !== undefined, 'a segment needs a filter') })
  .strict();
const updateBodySchema = updateSegmentRequestSchema.omit({ botId: true, segmentId: true }).strict();
const searchBodySchema = searchUsersRequestSchema.omit({ botId: true, segmentId: true, filter: true }).strict();
const countBodySchema = z.object({}).strict();

/** Saved segments: a name and a filter; search and count through them (issue "Segmentation"). */
@ApiTags('segments')
@ApiBearerAuth()
@Controller('v1/bots/:botId/segments')
export class SegmentsController {
  constructor(private readonly rpc: RpcClientService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Save a segment: { "name", "filter" } (the filter is validated against the bot\'s fields)' })
  create(@Param('botId') botId: string, @Body() body: unknown): Promise<Segment> {
    const { name, filter } = parseBody(createBodySchema, body);
    return this.rpc.request(SUBJECTS.segmentation.createSegment, { botId, name, filter });
  }

  @Get()
  @ApiOperation({ summary: 'The bot\'s saved segments' })
  list(@Param('botId') botId: string): Promise<Segment[]> {
    return this.rpc.request(SUBJECTS.segmentation.listSegments, { botId });
  }

  @Get(':segmentId')
  @ApiOperation({ summary: 'One saved segment' })
  get(@Param('botId') botId: string, @Param('segmentId') segmentId: string): Promise<Segment> {
    return this.rpc.request(SUBJECTS.segmentation.getSegment, { botId, segmentId });
  }

  @Patch(':segmentId')
  @ApiOperation({ summary: 'Rename a segment or change its filter: { "name"?, "filter"? } (a new filter is validated again)' })
  update(@Param('botId') botId: string, @Param('segmentId') segmentId: string, @Body() body: unknown): Promise<Segment> {
    const { name, filter } = parseBody(updateBodySchema, body);
    return this.rpc.request(SUBJECTS.segmentation.updateSegment, { botId, segmentId, name, filter });
  }

  @Delete(':segmentId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a saved segment' })
  async remove(@Param('botId') botId: string, @Param('segmentId') segmentId: string): Promise<void> {
    await this.rpc.request(SUBJECTS.segmentation.deleteSegment, { botId, segmentId });
  }

  @Post(':segmentId/users/search')
  @HttpCode(200)
  @ApiOperation({ summary: 'Search the segment\'s users: { "sort"?, "limit"?: 1..500, "cursor"? } (keyset pages)' })
  search(@Param('botId') botId: string, @Param('segmentId') segmentId: string, @Body() body: unknown): Promise<Page<UserSummary>> {
    const { sort, limit, cursor } = parseBody(searchBodySchema, body);
    return this.rpc.request(SUBJECTS.segmentation.searchUsers, { botId, segmentId, sort, limit, cursor });
  }

  @Post(':segmentId/users/count')
  @HttpCode(200)
  @ApiOperation({ summary: 'Count the segment\'s users → { "count" }' })
  count(@Param('botId') botId: string, @Param('segmentId') segmentId: string, @Body() body: unknown): Promise<CountResult> {
    parseBody(countBodySchema, body);
    return this.rpc.request(SUBJECTS.segmentation.countUsers, { botId, segmentId });
  }
}
