import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { countUsersRequestSchema, searchUsersRequestSchema, SUBJECTS, type CountResult, type Page, type UserSummary } from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import { parseBody } from './parse';

/**
 * The envelope is checked here (unknown keys, sort, limit 1..500, cursor) so a 400 names the key; the filter goes to
 * segmentation untouched, which checks it against the bot's custom fields and names `filter.…` paths.
 */
const searchBodySchema = searchUsersRequestSchema.omit({ botId: true, segmentId: true }).strict();
const countBodySchema = countUsersRequestSchema.omit({ botId: true, segmentId: true }).strict();

/** Search and count a bot's users with the filter language (api.md "Users", "Filter language"). */
@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/bots/:botId/users')
export class SearchController {
  constructor(private readonly rpc: RpcClientService) {}

  @Post('search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search users: { "filter"?, "sort"?: { "by": "lastInteractionAt"|"subscribedAt"|"name", "order": "desc"|"asc" }, "limit"?: 1..500, "cursor"? } (keyset pages)',
  })
  search(@Param('botId') botId: string, @Body() body: unknown): Promise<Page<UserSummary>> {
    const { filter, sort, limit, cursor } = parseBody(searchBodySchema, body);
    return this.rpc.request(SUBJECTS.segmentation.searchUsers, { botId, filter, sort, limit, cursor });
  }

  @Post('count')
  @HttpCode(200)
  @ApiOperation({ summary: 'Count the users a filter matches: { "filter"? } → { "count" }' })
  count(@Param('botId') botId: string, @Body() body: unknown): Promise<CountResult> {
    const { filter } = parseBody(countBodySchema, body);
    return this.rpc.request(SUBJECTS.segmentation.countUsers, { botId, filter });
  }
}
