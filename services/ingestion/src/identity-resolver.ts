import { randomUUID } from 'node:crypto';
import { INGESTION_EVENTS, streams, type Channel } from '@roster/contracts';
import type { EventStore } from '@roster/eventstore';
import { newEventId, NO_STREAM } from '@roster/eventstore';
import type { Pseudonymizer } from '@roster/privacy';
import { LRUCache } from 'lru-cache';

const CACHE_LIMIT = 200_000;

/**
 * Maps (bot, channel, channelUserId) to a bot user id. The first claim of an identity is an append to
 * `identity-<botId>-<pseudonym>` expecting no stream: of concurrent first events exactly one append wins and every
 * other caller reads the winner, so one channel user never becomes two bot users. Stream names hold a keyed hash of
 * the identity, never the identity.
 */
export class IdentityResolver {
  /**
   * Bot, channel and channel user id → user id (bounded, least recently used out). Personal identifiers, in memory
   * only. lru-cache rather than a Map evicting its first key: V8 leaves a deleted Map entry's slot in place until the
   * table is rebuilt, so `keys().next()` after many evictions walks them all (up to ~0.2 ms an eviction at 200k;
   * 16 % of the main thread in bench/search run H at 1,000 events/s over 1M users).
   */
  private readonly cache: LRUCache<string, string>;

  constructor(
    private readonly store: EventStore,
    private readonly pseudonymizer: Pseudonymizer,
    cacheLimit = CACHE_LIMIT,
  ) {
    this.cache = new LRUCache({ max: cacheLimit });
  }

  async resolveAll(botId: string, identities: readonly { channel: Channel; channelUserId: string }[]): Promise<Map<string, string>> {
    const resolved = new Map<string, string>();
    const missing = new Map<string, { stream: string; channel: Channel }>();
    for (const { channel, channelUserId } of identities) {
      const key = identityKey(channel, channelUserId);
      if (resolved.has(key) || missing.has(key)) continue;
      // By the identity itself, not its stream: a known identity costs no HMAC (one was ~3 % of ingestion's CPU).
      const cached = this.cache.get(cacheKey(botId, key));
      if (cached) resolved.set(key, cached);
      else missing.set(key, { stream: streams.identity(botId, this.pseudonymizer.pseudonym('identity', botId, channel, channelUserId)), channel });
    }
    if (missing.size === 0) return resolved;
    const entries = [...missing.entries()];
    // One read of all the missing identities' streams (one read transaction on SQLite, not one per identity).
    const existing = await this.store.readStreams(entries.map(([, m]) => m.stream), { maxCount: 1 });
    const toClaim: { key: string; stream: string; userId: string; channel: Channel }[] = [];
    entries.forEach(([key, m], i) => {
      const claimed = claimedUserId(existing[i]!);
      if (claimed) this.remember(resolved, botId, key, claimed);
      else toClaim.push({ key, stream: m.stream, userId: randomUUID(), channel: m.channel });
    });
    const outcomes = await this.store.appendMany(
      toClaim.map((c) => ({
        streamName: c.stream,
        expected: NO_STREAM,
        events: [{ id: newEventId(), type: INGESTION_EVENTS.identityClaimed, data: { botId, userId: c.userId, channel: c.channel } }],
      })),
    );
    await Promise.all(
      toClaim.map(async (c, i) => {
        if (outcomes[i]!.ok) return this.remember(resolved, botId, c.key, c.userId);
        const winner = claimedUserId(await this.store.readStream(c.stream, { maxCount: 1 }));
        if (!winner) throw new Error('an identity claim conflicted but no claim is stored');
        this.remember(resolved, botId, c.key, winner);
      }),
    );
    return resolved;
  }

  private remember(resolved: Map<string, string>, botId: string, key: string, userId: string): void {
    resolved.set(key, userId);
    this.cache.set(cacheKey(botId, key), userId);
  }
}

export const identityKey = (channel: string, channelUserId: string) => `${channel}\u0000${channelUserId}`;

const cacheKey = (botId: string, identity: string) => `${botId}\u0000${identity}`;

function claimedUserId(events: readonly { data: unknown }[]): string | undefined {
  const data = events[0]?.data as { userId?: unknown } | undefined;
  return typeof data?.userId === 'string' ? data.userId : undefined;
}
