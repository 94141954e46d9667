import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { USER_PROFILE_EVENTS, type BotUserEvent } from '@roster/contracts';
import type { ConsumerHandle, DeliveredEvent } from '@roster/messaging';
import { INFRA, type Infra } from '@roster/platform';
import type { Collection, Doc, IndexSpec } from '@roster/readstore';
import { ActiveWalks } from './active-walks';
import { padPosition, withWalkKeys, type WalkableUserDoc } from './domain/search-keys';
import { applyToUserDoc, type UserListDoc } from './domain/user-list-doc';

export const USERS_COLLECTION = 'users';
const CHECKPOINTS_COLLECTION = 'checkpoints';
const CONSUMER = 'segmentation-user-list';
/**
 * The shape of the list documents. Bump it when `applyToUserDoc` or the walk keys change what a document holds: a
 * persisted read store (MongoDB, or an embedded one restored from a snapshot) written by another version is then
 * cleared and rebuilt from the event store at start instead of mixing two shapes.
 */
export const USER_LIST_VERSION = 2;
/** Only the BotUser events: the source also carries the bots' catalog events (tag and field definitions). */
const BOT_USER_EVENT_TYPES = Object.values(USER_PROFILE_EVENTS);

/**
 * The user-list projection: BotUser integration events → one document per user. Idempotent by position: every
 * document remembers the position of the last event applied and older or repeated events are skipped, so duplicated
 * and redelivered batches change nothing. Its checkpoint lives in the read store itself, so an embedded (in-memory)
 * store rebuilds from the first event after a restart while a MongoDB store resumes.
 */
/**
 * What searches need (MongoDB creates them; the embedded store keeps each as an ordered index its planner uses for
 * candidate sets, ranges and sorted walks): one keyset index
 * per sort, multikey indexes for tags / sequences / OTN topics, dates and case-insensitive equality on the profile,
 * all behind `botId` since every query names one bot. Each custom field gets its own index when it is defined
 * (FieldDefinitionsProjection).
 */
export const USER_LIST_INDEXES = [
  { name: 'bot_lastInteraction', fields: [['botId', 1], ['lastInteractionAt', -1], ['id', -1]] },
  { name: 'bot_subscribedAt', fields: [['botId', 1], ['sortSubscribedAt', -1], ['id', -1]] },
  { name: 'bot_name', fields: [['botId', 1], ['sortName', 1], ['id', 1]] },
  { name: 'bot_createdAt', fields: [['botId', 1], ['createdAt', -1]] },
  { name: 'bot_tags', fields: [['botId', 1], ['search.tags', 1]] },
  { name: 'bot_sequences', fields: [['botId', 1], ['sequences', 1]] },
  { name: 'bot_otnTopics', fields: [['botId', 1], ['otnTopics', 1]] },
  { name: 'bot_email', fields: [['botId', 1], ['search.email', 1]] },
  { name: 'bot_phone', fields: [['botId', 1], ['search.phone', 1]] },
  { name: 'bot_status_channel', fields: [['botId', 1], ['status', 1], ['channel', 1]] },
  // Language is in most audience filters (5 of bench/search's 20 shapes): a few values, so ~10 B per user.
  { name: 'bot_language', fields: [['botId', 1], ['language', 1]] },
  // Gender and timezone, the other few-valued profile fields audiences are cut by (equality, `in`, presence).
  { name: 'bot_gender', fields: [['botId', 1], ['gender', 1]] },
  { name: 'bot_timezone', fields: [['botId', 1], ['timezone', 1]] },
  // A walk's page asks for the users whose sort key moved after its snapshot (search.service.ts): those whose earlier
  // key (as of the walk's snapshot) can fall into the page, through their remembered earlier keys.
  { name: 'bot_sortStamp', fields: [['botId', 1], ['sortStamp', 1]] },
  { name: 'bot_moves_lastInteraction', fields: [['botId', 1], ['sortMoves.lastInteractionAt', 1]] },
  { name: 'bot_moves_subscribedAt', fields: [['botId', 1], ['sortMoves.sortSubscribedAt', 1]] },
  { name: 'bot_moves_name', fields: [['botId', 1], ['sortMoves.sortName', 1]] },
] as const satisfies readonly IndexSpec[];

@Injectable()
export class UserListProjection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly users: Collection<UserListDoc & Doc>;
  private readonly checkpoints: Collection<{ id: string; position: string; version?: number }>;
  private handle?: ConsumerHandle;
  private appliedPosition: bigint | undefined;

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly walks: ActiveWalks,
  ) {
    this.users = infra.readStore.collection<UserListDoc & Doc>(USERS_COLLECTION);
    this.checkpoints = infra.readStore.collection(CHECKPOINTS_COLLECTION);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.rebuildIfAnotherVersion();
    await this.users.ensureIndexes(USER_LIST_INDEXES);
    this.handle = await this.infra.eventBus.consume(
      {
        name: CONSUMER,
        sources: ['user-profile'],
        eventTypes: BOT_USER_EVENT_TYPES,
        resumeAfter: () => this.checkpoints.positionOf(CONSUMER),
        batchSize: 500,
      },
      (events) => this.apply(events),
    );
  }

  private async rebuildIfAnotherVersion(): Promise<void> {
    const checkpoint = await this.checkpoints.get(CONSUMER);
    if (checkpoint?.version === USER_LIST_VERSION) return;
    if (!checkpoint && (await this.users.count()) === 0) return;
    this.infra.logger.warn({ found: checkpoint?.version ?? null, expected: USER_LIST_VERSION }, 'user list written by another version: rebuilding it');
    await this.users.clear();
    await this.checkpoints.delete(CONSUMER);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }

  /** Position of the last event applied (for readiness and tests). */
  get position(): bigint | undefined {
    return this.appliedPosition;
  }

  /** Where the list stands: the snapshot position a search walk starts from. */
  async currentPosition(): Promise<bigint> {
    return this.appliedPosition ?? (await this.checkpoints.positionOf(CONSUMER)) ?? 0n;
  }

  async apply(events: readonly DeliveredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const decoded = await this.infra.codec.decodeAll<BotUserEvent>(events);
    // The snapshots that may ask for earlier sort keys (see withWalkKeys): the walks in progress, and where the list
    // stands now (a walk that begins before this batch is applied takes it; later ones take this batch's end or later).
    const applied = padPosition(await this.currentPosition());
    const asked = [...new Set([...this.walks.inProgress(), applied])].sort();
    const pending = new Map<string, { doc: WalkableUserDoc | undefined; position: bigint; stored: bigint | undefined }>();
    for (const event of decoded) {
      // Defensive: whatever a bus hands over beyond the BotUser events (catalog events have no user) is not ours.
      const userId: unknown = event.data.userId;
      if (typeof userId !== 'string' || userId.length === 0) continue;
      let entry = pending.get(userId);
      if (!entry) {
        // The stored document itself, not a copy: applyToUserDoc and withWalkKeys never change their input, and upsert
        // then copies only what this batch changed.
        const [doc, stored] = await Promise.all([this.users.getForUpdate(userId), this.users.positionOf(userId)]);
        entry = { doc: doc as unknown as WalkableUserDoc | undefined, position: stored ?? -1n, stored };
        pending.set(userId, entry);
      }
      if (event.position <= entry.position) continue;
      const next = applyToUserDoc(entry.doc, event);
      entry.doc = next && withWalkKeys(entry.doc, next, event.position, asked);
      entry.position = event.position;
    }
    await Promise.all(
      [...pending.values()].map((e) => (e.doc && e.position !== e.stored ? this.users.upsert(e.doc as unknown as UserListDoc & Doc, e.position) : undefined)),
    );
    const last = events[events.length - 1]!.position;
    await this.checkpoints.upsert({ id: CONSUMER, position: last.toString(), version: USER_LIST_VERSION }, last);
    this.appliedPosition = last;
  }
}
