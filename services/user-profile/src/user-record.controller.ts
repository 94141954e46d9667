import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  addNoteRequestSchema,
  botOnlyRequestSchema,
  clearFieldRequestSchema,
  defineFieldRequestSchema,
  defineTagRequestSchema,
  deleteNoteRequestSchema,
  editNoteRequestSchema,
  historyRequestSchema,
  removeOtnTopicRequestSchema,
  removeSequenceRequestSchema,
  setFieldRequestSchema,
  SUBJECTS,
  userTagRequestSchema,
} from '@roster/contracts';
import { fail, RequestData, type Reply } from '@roster/messaging';
import { answerRequest } from '@roster/platform';
import type { z } from 'zod';
import { CatalogService } from './catalog.service';
import { BotUserNotFoundError, DomainError, TagExistsError } from './domain/errors';
import { InvalidHistoryCursorError } from './history';
import { UserProfileService } from './user-profile.service';

const S = SUBJECTS.userProfile;

/** Named domain errors become their reply kind (→ 400/404/409/422 at the gateway); a missing user is a 404. */
const translate = (error: unknown) => {
  if (error instanceof TagExistsError) return fail('conflict', error.message, { details: { existing: error.existing } });
  if (error instanceof DomainError) return fail(error.kind, error.message);
  if (error instanceof InvalidHistoryCursorError) return fail('invalid', error.message, { errors: [{ path: 'cursor', message: error.message }] });
  return undefined;
};

async function answer<Sch extends z.ZodType, T>(schema: Sch, payload: unknown, work: (input: z.infer<Sch>) => Promise<T | undefined>): Promise<Reply<T>> {
  return answerRequest(schema, payload, async (input) => {
    const value = await work(input);
    if (value === undefined) throw new BotUserNotFoundError();
    return value;
  }, translate);
}

/** The operator's edits of one bot user, the bot's tag and field catalogs, and a user's history. */
@Controller()
export class UserRecordController {
  constructor(
    private readonly users: UserProfileService,
    private readonly catalog: CatalogService,
  ) {}

  @MessagePattern(S.addTag)
  addTag(@RequestData() p: unknown) {
    return answer(userTagRequestSchema, p, (r) => this.users.edit(r.botId, r.userId, { type: 'AddTag', data: { tag: r.tag, at: new Date().toISOString() } }, r.actor));
  }

  @MessagePattern(S.removeTag)
  removeTag(@RequestData() p: unknown) {
    return answer(userTagRequestSchema, p, (r) => this.users.edit(r.botId, r.userId, { type: 'RemoveTag', data: { tag: r.tag, at: new Date().toISOString() } }, r.actor));
  }

  /** The field's declared type is looked up by the service (`resolve`); the type given here is replaced. */
  @MessagePattern(S.setField)
  setField(@RequestData() p: unknown) {
    return answer(setFieldRequestSchema, p, (r) =>
      this.users.edit(r.botId, r.userId, { type: 'SetField', data: { key: r.key, fieldType: 'text', value: r.value, at: new Date().toISOString() } }, r.actor),
    );
  }

  @MessagePattern(S.clearField)
  clearField(@RequestData() p: unknown) {
    return answer(clearFieldRequestSchema, p, (r) => this.users.edit(r.botId, r.userId, { type: 'ClearField', data: { key: r.key, at: new Date().toISOString() } }, r.actor));
  }

  @MessagePattern(S.addNote)
  addNote(@RequestData() p: unknown) {
    return answer(addNoteRequestSchema, p, (r) => this.users.addNote(r.botId, r.userId, r.text, r.actor));
  }

  @MessagePattern(S.editNote)
  editNote(@RequestData() p: unknown) {
    return answer(editNoteRequestSchema, p, (r) => this.users.editNote(r.botId, r.userId, r.noteId, r.text, r.actor));
  }

  @MessagePattern(S.deleteNote)
  deleteNote(@RequestData() p: unknown) {
    return answer(deleteNoteRequestSchema, p, async (r) => {
      await this.users.edit(r.botId, r.userId, { type: 'DeleteNote', data: { noteId: r.noteId } }, r.actor);
      return {};
    });
  }

  @MessagePattern(S.removeSequence)
  removeSequence(@RequestData() p: unknown) {
    return answer(removeSequenceRequestSchema, p, (r) =>
      this.users.edit(r.botId, r.userId, { type: 'UnsubscribeFromSequence', data: { sequenceId: r.sequenceId, at: new Date().toISOString() } }, r.actor),
    );
  }

  @MessagePattern(S.removeOtnTopic)
  removeOtnTopic(@RequestData() p: unknown) {
    return answer(removeOtnTopicRequestSchema, p, (r) =>
      this.users.edit(r.botId, r.userId, { type: 'RemoveOtnTopic', data: { topicId: r.topicId, at: new Date().toISOString() } }, r.actor),
    );
  }

  @MessagePattern(S.history)
  history(@RequestData() p: unknown) {
    return answer(historyRequestSchema, p, (r) => this.users.history(r.botId, r.userId, r.limit, r.cursor));
  }

  @MessagePattern(S.listTags)
  listTags(@RequestData() p: unknown) {
    return answer(botOnlyRequestSchema, p, (r) => this.catalog.listTags(r.botId));
  }

  @MessagePattern(S.defineTag)
  defineTag(@RequestData() p: unknown) {
    return answer(defineTagRequestSchema, p, (r) => this.catalog.defineTag(r.botId, r.name));
  }

  @MessagePattern(S.listFields)
  listFields(@RequestData() p: unknown) {
    return answer(botOnlyRequestSchema, p, (r) => this.catalog.listFields(r.botId));
  }

  @MessagePattern(S.defineField)
  defineField(@RequestData() p: unknown) {
    return answer(defineFieldRequestSchema, p, (r) => this.catalog.defineField(r.botId, r.key, r.label ?? null, r.type));
  }
}
