import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { streams, type Actor, type BotUserEvent, type Note, type RecordInteraction as RecordInteractionItem, type UserDetail } from '@roster/contracts';
import { AggregateCache, handleCommand, INFRA, serviceMetrics, StreamLocks, type Infra } from '@roster/platform';
import { botUserDecider, type BotUserCommand, type BotUserState } from './domain/bot-user';
import { FieldValueError, UnknownFieldError } from './domain/errors';
import { CatalogService } from './catalog.service';
import { toUserDetail } from './detail-view';
import { historyPage, type HistoryPage } from './history';

const USER_CONCURRENCY = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An edit as the service takes it: the command without the user, time and metadata it fills in. */
export type UserEdit = Exclude<BotUserCommand, { type: 'RecordInteraction' }> extends infer C
  ? C extends { type: infer T; data: infer D }
    ? { type: T; data: Omit<D, 'botId' | 'userId'> }
    : never
  : never;

@Injectable()
export class UserProfileService {
  /** Folded users recently written: a command on a known user needs no stream read (see AggregateCache). */
  private readonly cache = new AggregateCache<BotUserState>();
  /** One command at a time per user in this process: concurrent edits of one user queue instead of conflicting. */
  private readonly locks = new StreamLocks();
  /** Channel events whose change was rejected (unknown field key, value the field cannot hold): counted, never stored. */
  private get rejectedChannelChanges() {
    const reasons = ['unknown_field', 'invalid_value'] as const;
    return serviceMetrics(this.infra, 'user-profile').counter({ name: 'roster_channel_changes_rejected_total', help: 'Runtime (channel) changes rejected and not stored, by reason', labelNames: ['reason'], zeroes: reasons.map((reason) => ({ reason })) });
  }

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly catalog: CatalogService,
  ) {}

  /**
   * Applies a batch of interactions. Items of one user are applied in order; different users in parallel. Each item
   * is idempotent (an interaction already reflected in the state decides no events), so a redelivered batch is safe.
   */
  async recordInteractions(items: readonly RecordInteractionItem[], now: Date = new Date()): Promise<number> {
    const byUser = new Map<string, RecordInteractionItem[]>();
    for (const item of items) {
      const key = streams.botUser(item.botId, item.userId);
      (byUser.get(key) ?? byUser.set(key, []).get(key)!).push(item);
    }
    let applied = 0;
    const queue = [...byUser.values()];
    const worker = async () => {
      for (let userItems = queue.shift(); userItems; userItems = queue.shift()) {
        for (const item of userItems) applied += await this.recordOne(item, now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(USER_CONCURRENCY, queue.length) }, worker));
    return applied;
  }

  private async recordOne(item: RecordInteractionItem, now: Date): Promise<number> {
    const actor: Actor = { kind: 'channel', eventType: item.eventType };
    const { tag, key, value, sequenceId, sequenceName, topicId, topicName, ...interaction } = item;
    const outcome = await this.run(item.botId, item.userId, { type: 'RecordInteraction', data: interaction }, actor, now);
    const at = item.occurredAt;
    let change: UserEdit | undefined;
    try {
      switch (item.eventType) {
        case 'tag.added':
          change = { type: 'AddTag', data: { tag: await this.catalog.ensureTag(item.botId, tag!), at } };
          break;
        case 'tag.removed':
          change = { type: 'RemoveTag', data: { tag: tag!, at } };
          break;
        case 'field.set':
          change = { type: 'SetField', data: { key: key!, fieldType: await this.fieldType(item.botId, key!), value, at } };
          break;
        case 'field.cleared':
          await this.fieldType(item.botId, key!);
          change = { type: 'ClearField', data: { key: key!, at } };
          break;
        case 'sequence.subscribed':
          change = { type: 'SubscribeToSequence', data: { sequenceId: sequenceId!, sequenceName, at } };
          break;
        case 'sequence.unsubscribed':
          change = { type: 'UnsubscribeFromSequence', data: { sequenceId: sequenceId!, at } };
          break;
        case 'otn.optin':
          change = { type: 'OptInToOtnTopic', data: { topicId: topicId!, topicName, at } };
          break;
      }
      if (change) await this.run(item.botId, item.userId, change, actor, now);
    } catch (error) {
      if (!(error instanceof FieldValueError || error instanceof UnknownFieldError)) throw error;
      // The runtime sent a value the field cannot hold: rejected and reported (ids and reason only), never stored.
      this.rejectedChannelChanges.inc({ reason: error instanceof UnknownFieldError ? 'unknown_field' : 'invalid_value' });
      this.infra.logger.warn({ botId: item.botId, userId: item.userId, eventType: item.eventType, reason: error.message }, 'channel change rejected');
    }
    return outcome.newEvents.length > 0 ? 1 : 0;
  }

  /** An operator's (or import's) edit of one user; answers the user as it is afterwards. */
  async edit(botId: string, userId: string, edit: UserEdit, actor: Actor, now: Date = new Date()): Promise<UserDetail> {
    const command = await this.resolve(botId, edit, now);
    await this.run(botId, userId, command, actor, now);
    return (await this.getUser(botId, userId, now))!;
  }

  async addNote(botId: string, userId: string, text: string, actor: Actor, now: Date = new Date()): Promise<Note> {
    const noteId = randomUUID();
    const outcome = await this.run(botId, userId, { type: 'AddNote', data: { noteId, text } }, actor, now);
    return { ...outcome.state.notes.find((n) => n.id === noteId)! };
  }

  async editNote(botId: string, userId: string, noteId: string, text: string, actor: Actor, now: Date = new Date()): Promise<Note> {
    const outcome = await this.run(botId, userId, { type: 'EditNote', data: { noteId, text } }, actor, now);
    return { ...outcome.state.notes.find((n) => n.id === noteId)! };
  }

  async getUser(botId: string, userId: string, now: Date = new Date()): Promise<UserDetail | undefined> {
    if (!UUID.test(userId)) return undefined;
    const recorded = await this.infra.eventStore.readStream(streams.botUser(botId, userId));
    if (recorded.length === 0) return undefined;
    const events = await this.infra.codec.decodeAll<BotUserEvent>(recorded);
    const state = events.reduce<BotUserState>(botUserDecider.evolve, botUserDecider.initialState());
    if (!state.exists || state.botId !== botId) return undefined;
    return toUserDetail(state, recorded.length, recorded[recorded.length - 1]!.recordedAt, now);
  }

  /** What changed, when and from where — newest first, keyset pages over the user's stream revisions. */
  async history(botId: string, userId: string, limit: number, cursor?: string): Promise<HistoryPage | undefined> {
    if (!UUID.test(userId)) return undefined;
    const recorded = await this.infra.eventStore.readStream(streams.botUser(botId, userId));
    if (recorded.length === 0) return undefined;
    return historyPage(await this.infra.codec.decodeAll<BotUserEvent>(recorded), limit, cursor);
  }

  /** Field edits need the field's declared type: an unknown key is a 404, decided before the user is touched. */
  private async resolve(botId: string, edit: UserEdit, now: Date): Promise<UserEdit> {
    if (edit.type === 'SetField') return { ...edit, data: { ...edit.data, fieldType: await this.fieldType(botId, edit.data.key) } };
    if (edit.type === 'ClearField') await this.fieldType(botId, edit.data.key);
    if (edit.type === 'AddTag') return { ...edit, data: { ...edit.data, tag: await this.catalog.ensureTag(botId, edit.data.tag, now) } };
    return edit;
  }

  private async fieldType(botId: string, key: string) {
    const field = await this.catalog.field(botId, key);
    if (!field) throw new UnknownFieldError();
    return field.type;
  }

  private run(botId: string, userId: string, command: UserEdit | { type: 'RecordInteraction'; data: Omit<RecordInteractionItem, 'botId' | 'userId'> }, actor: Actor, now: Date) {
    const full = { ...command, data: { ...command.data, botId, userId }, metadata: { now: now.toISOString() } } as BotUserCommand;
    return handleCommand(this.infra.eventStore, this.infra.codec, botUserDecider, streams.botUser(botId, userId), full, {
      metadata: { actor },
      cache: this.cache,
      locks: this.locks,
    });
  }
}
