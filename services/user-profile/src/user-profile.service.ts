import { Inject, Injectable } from '@nestjs/common';
import { streams, type BotUserEvent, type RecordInteraction as RecordInteractionItem, type UserDetail } from '@roster/contracts';
import { AggregateCache, handleCommand, INFRA, StreamLocks, type Infra } from '@roster/platform';
import { botUserDecider, type BotUserState } from './domain/bot-user';
import { toUserDetail } from './detail-view';

const USER_CONCURRENCY = 256;

@Injectable()
export class UserProfileService {
  /** Folded users recently written: a command on a known user needs no stream read (see AggregateCache). */
  private readonly cache = new AggregateCache<BotUserState>();
  /** One command at a time per user in this process: concurrent edits of one user queue instead of conflicting. */
  private readonly locks = new StreamLocks();

  constructor(@Inject(INFRA) private readonly infra: Infra) {}

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
    const queue = [...byUser.entries()];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [stream, userItems] = next;
        for (const item of userItems) {
          const outcome = await handleCommand(this.infra.eventStore, this.infra.codec, botUserDecider, stream, {
            type: 'RecordInteraction' as const,
            data: { ...item, profile: item.profile },
            metadata: { now: now.toISOString() },
          }, { metadata: { source: 'channel' }, cache: this.cache, locks: this.locks });
          if (outcome.newEvents.length > 0) applied++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(USER_CONCURRENCY, queue.length) }, worker));
    return applied;
  }

  async getUser(botId: string, userId: string, now: Date = new Date()): Promise<UserDetail | undefined> {
    const recorded = await this.infra.eventStore.readStream(streams.botUser(botId, userId));
    if (recorded.length === 0) return undefined;
    const events = await this.infra.codec.decodeAll<BotUserEvent>(recorded);
    const state = events.reduce<BotUserState>(botUserDecider.evolve, botUserDecider.initialState());
    if (!state.exists || state.botId !== botId) return undefined;
    return toUserDetail(state, recorded.length, recorded[recorded.length - 1]!.recordedAt, now);
  }
}
