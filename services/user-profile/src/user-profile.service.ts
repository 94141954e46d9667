import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { streams, type Actor, type BotUserEvent, type Note, type RecordInteraction as RecordInteractionItem, type UserDetail } from '@roster/contracts';
import { KeyShreddedError } from '@roster/privacy';
import { AggregateCache, handleCommand, handleCommands, INFRA, preloadAggregates, serviceMetrics, StreamLocks, type Infra, type SnapshotPolicy } from '@roster/platform';
import { botUserDecider, type BotUserCommand, type BotUserState } from './domain/bot-user';
import { FieldValueError, UnknownFieldError } from './domain/errors';
import { CatalogService } from './catalog.service';
import { toUserDetail } from './detail-view';
import { historyPage, type HistoryPage } from './history';
import { botUserSnapshots } from './user-snapshots';

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
  /**
   * Users are loaded from their snapshot and the events after it (see user-snapshots.ts). An erased user's state is
   * not written again (the shredded key refuses it), so that is not worth a log line; any other failure is.
   */
  private readonly snapshots: SnapshotPolicy<BotUserState>;
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
  ) {
    this.snapshots = botUserSnapshots(infra.pii, (error) => {
      if (!(error instanceof KeyShreddedError)) infra.logger.warn({ reason: error instanceof Error ? error.name : 'unknown' }, 'user snapshot not written');
    });
  }

  /**
   * Applies a batch of interactions. All items of one user become one list of commands, decided in order against
   * one load of the user (the users missing from the state cache are read together first) and appended at once (one
   * expected revision, see `handleCommands`); different users run in parallel. Each command is idempotent (an
   * interaction or change already reflected in the state decides no events), so a redelivered batch is safe.
   */
  async recordInteractions(items: readonly RecordInteractionItem[], now: Date = new Date()): Promise<number> {
    const byUser = new Map<string, RecordInteractionItem[]>();
    for (const item of items) {
      const key = streams.botUser(item.botId, item.userId);
      (byUser.get(key) ?? byUser.set(key, []).get(key)!).push(item);
    }
    // The users' keys and the users not in the state cache are read in one go each (one read transaction on SQLite),
    // not one by one.
    await this.infra.codec.preloadKeys(items.map((item) => item.userId));
    await preloadAggregates(this.infra.eventStore, this.infra.codec, botUserDecider, this.cache, byUser.keys(), this.snapshots);
    let applied = 0;
    const queue = [...byUser.values()];
    const worker = async () => {
      for (let userItems = queue.shift(); userItems; userItems = queue.shift()) {
        // Not `applied += await …`: that reads `applied` before the await, and parallel workers would overwrite each other.
        const appliedForUser = await this.recordUser(userItems, now);
        applied += appliedForUser;
      }
    };
    await Promise.all(Array.from({ length: Math.min(USER_CONCURRENCY, queue.length) }, worker));
    return applied;
  }

  /** One user's items: per item its interaction, then the change it carries (tag, field, sequence, OTN topic). */
  private async recordUser(items: readonly RecordInteractionItem[], now: Date): Promise<number> {
    const { botId, userId } = items[0]!;
    const commands: BotUserCommand[] = [];
    const itemOf: number[] = [];
    const metadata = { now: now.toISOString() };
    for (let i = 0; i < items.length; i++) {
      const { channel, channelUserId, eventType, occurredAt, profile } = items[i]!;
      commands.push({ type: 'RecordInteraction', data: { botId, userId, channel, channelUserId, eventType, occurredAt, profile }, metadata });
      itemOf.push(i);
      let change: UserEdit | undefined;
      try {
        change = await this.channelChange(items[i]!);
      } catch (error) {
        if (!(error instanceof UnknownFieldError)) throw error;
        this.rejectChannelChange(items[i]!, error);
      }
      if (change) {
        commands.push({ ...change, data: { ...change.data, botId, userId }, metadata } as BotUserCommand);
        itemOf.push(i);
      }
    }
    const outcome = await handleCommands(this.infra.eventStore, this.infra.codec, botUserDecider, streams.botUser(botId, userId), commands, {
      cache: this.cache,
      locks: this.locks,
      snapshots: this.snapshots,
      isRejection: (error) => error instanceof FieldValueError,
      metadataFor: (index) => ({ actor: { kind: 'channel', eventType: items[itemOf[index]!]!.eventType } satisfies Actor }),
    });
    let applied = 0;
    outcome.decisions.forEach((decision, index) => {
      if ('rejected' in decision) this.rejectChannelChange(items[itemOf[index]!]!, decision.rejected as FieldValueError);
      else if (commands[index]!.type === 'RecordInteraction' && decision.events.length > 0) applied++;
    });
    return applied;
  }

  /** The change a channel event carries besides the interaction; catalog lookups happen here, before the user. */
  private async channelChange(item: RecordInteractionItem): Promise<UserEdit | undefined> {
    const { tag, key, value, sequenceId, sequenceName, topicId, topicName } = item;
    const at = item.occurredAt;
    switch (item.eventType) {
      case 'tag.added':
        return { type: 'AddTag', data: { tag: await this.catalog.ensureTag(item.botId, tag!), at } };
      case 'tag.removed':
        return { type: 'RemoveTag', data: { tag: tag!, at } };
      case 'field.set':
        return { type: 'SetField', data: { key: key!, fieldType: await this.fieldType(item.botId, key!), value, at } };
      case 'field.cleared':
        await this.fieldType(item.botId, key!);
        return { type: 'ClearField', data: { key: key!, at } };
      case 'sequence.subscribed':
        return { type: 'SubscribeToSequence', data: { sequenceId: sequenceId!, sequenceName, at } };
      case 'sequence.unsubscribed':
        return { type: 'UnsubscribeFromSequence', data: { sequenceId: sequenceId!, at } };
      case 'otn.optin':
        return { type: 'OptInToOtnTopic', data: { topicId: topicId!, topicName, at } };
      default:
        return undefined;
    }
  }

  /** The runtime sent a value the field cannot hold (or an unknown key): rejected and reported (ids and reason only), never stored. */
  private rejectChannelChange(item: RecordInteractionItem, error: FieldValueError | UnknownFieldError): void {
    this.rejectedChannelChanges.inc({ reason: error instanceof UnknownFieldError ? 'unknown_field' : 'invalid_value' });
    this.infra.logger.warn({ botId: item.botId, userId: item.userId, eventType: item.eventType, reason: error.message }, 'channel change rejected');
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
      snapshots: this.snapshots,
    });
  }
}
