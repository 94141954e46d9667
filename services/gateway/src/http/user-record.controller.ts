import { Body, Controller, createParamDecorator, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { noteTextSchema, SUBJECTS, type Actor, type HistoryEntry, type Note, type Page, type UserDetail } from '@roster/contracts';
import { RpcClientService } from '../rpc-client.service';
import type { Principal } from './auth.guard';
import { parseBody } from './parse';

/** The operator behind a request, as edits record it: the API key's id (never the key); the admin key is `admin`. */
export const OperatorActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  return { kind: 'operator', keyId: principal?.kind === 'bot' ? principal.keyId : 'admin' };
});

const setFieldBodySchema = z.object({ value: z.unknown().refine((value) => value !== undefined, 'a value is required') }).strict();
const noteBodySchema = z.object({ text: noteTextSchema }).strict();
const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/**
 * One bot user's record as operators edit it (api.md "Tags, custom fields, notes, sequences, OTN topics"). Bodies are
 * checked here so a 400 names the field; whether a tag, field, note or value is allowed is user-profile's answer.
 */
@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/bots/:botId/users/:userId')
export class UserRecordController {
  constructor(private readonly rpc: RpcClientService) {}

  @Put('tags/:name')
  @ApiOperation({ summary: 'Add a tag to the user (adding one the user has is a no-op)' })
  addTag(@Param('botId') botId: string, @Param('userId') userId: string, @Param('name') tag: string, @OperatorActor() actor: Actor): Promise<UserDetail> {
    return this.rpc.request(SUBJECTS.userProfile.addTag, { botId, userId, tag, actor });
  }

  @Delete('tags/:name')
  @ApiOperation({ summary: 'Remove a tag from the user (removing an absent one is a no-op)' })
  removeTag(@Param('botId') botId: string, @Param('userId') userId: string, @Param('name') tag: string, @OperatorActor() actor: Actor): Promise<UserDetail> {
    return this.rpc.request(SUBJECTS.userProfile.removeTag, { botId, userId, tag, actor });
  }

  @Put('fields/:key')
  @ApiOperation({ summary: 'Set a custom field: { "value": ... } of the field\'s type (else 422); unknown key: 404' })
  setField(
    @Param('botId') botId: string,
    @Param('userId') userId: string,
    @Param('key') key: string,
    @Body() body: unknown,
    @OperatorActor() actor: Actor,
  ): Promise<UserDetail> {
    const { value } = parseBody(setFieldBodySchema, body);
    return this.rpc.request(SUBJECTS.userProfile.setField, { botId, userId, key, value, actor });
  }

  @Delete('fields/:key')
  @ApiOperation({ summary: 'Clear a custom field' })
  clearField(@Param('botId') botId: string, @Param('userId') userId: string, @Param('key') key: string, @OperatorActor() actor: Actor): Promise<UserDetail> {
    return this.rpc.request(SUBJECTS.userProfile.clearField, { botId, userId, key, actor });
  }

  @Post('notes')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a note: { "text" } (1 to 10,000 characters)' })
  addNote(@Param('botId') botId: string, @Param('userId') userId: string, @Body() body: unknown, @OperatorActor() actor: Actor): Promise<Note> {
    const { text } = parseBody(noteBodySchema, body);
    return this.rpc.request(SUBJECTS.userProfile.addNote, { botId, userId, text, actor });
  }

  @Patch('notes/:noteId')
  @ApiOperation({ summary: 'Edit a note\'s text' })
  editNote(
    @Param('botId') botId: string,
    @Param('userId') userId: string,
    @Param('noteId') noteId: string,
    @Body() body: unknown,
    @OperatorActor() actor: Actor,
  ): Promise<Note> {
    const { text } = parseBody(noteBodySchema, body);
    return this.rpc.request(SUBJECTS.userProfile.editNote, { botId, userId, noteId, text, actor });
  }

  @Delete('notes/:noteId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a note' })
  async deleteNote(@Param('botId') botId: string, @Param('userId') userId: string, @Param('noteId') noteId: string, @OperatorActor() actor: Actor): Promise<void> {
    await this.rpc.request(SUBJECTS.userProfile.deleteNote, { botId, userId, noteId, actor });
  }

  @Delete('sequences/:sequenceId')
  @ApiOperation({ summary: 'Remove the user from a sequence (subscribing happens through events)' })
  removeSequence(@Param('botId') botId: string, @Param('userId') userId: string, @Param('sequenceId') sequenceId: string, @OperatorActor() actor: Actor): Promise<UserDetail> {
    return this.rpc.request(SUBJECTS.userProfile.removeSequence, { botId, userId, sequenceId, actor });
  }

  @Delete('otn-topics/:topicId')
  @ApiOperation({ summary: 'Remove a one-time-notification topic from the user (opting in happens through events)' })
  removeOtnTopic(@Param('botId') botId: string, @Param('userId') userId: string, @Param('topicId') topicId: string, @OperatorActor() actor: Actor): Promise<UserDetail> {
    return this.rpc.request(SUBJECTS.userProfile.removeOtnTopic, { botId, userId, topicId, actor });
  }

  @Get('history')
  @ApiOperation({ summary: 'What changed on the user, newest first, and who or what changed it (keyset pages)' })
  history(@Param('botId') botId: string, @Param('userId') userId: string, @Query() query: unknown): Promise<Page<HistoryEntry>> {
    const { limit, cursor } = parseBody(historyQuerySchema, query);
    return this.rpc.request(SUBJECTS.userProfile.history, { botId, userId, limit, cursor });
  }
}
