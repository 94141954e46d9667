import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_EVENTS as E, SOURCES } from '@roster/contracts';
import type { RecordedEvent, Subscription } from '@roster/eventstore';
import { INFRA, type Infra } from '@roster/platform';

export interface BotRecord {
  readonly id: string;
  readonly name: string;
  readonly timezone: string | null;
  readonly createdAt: string;
}

export const hashKeySecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * The gateway's in-memory view of bots and API key hashes, rebuilt from its own event store at start and kept live
 * by a subscription. Keys are high-entropy random secrets, so a plain SHA-256 is the right hash (no password
 * stretching needed); comparison is constant-time.
 */
@Injectable()
export class BotDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly bots = new Map<string, BotRecord>();
  private readonly keys = new Map<string, { botId: string; hash: Buffer }>();
  private subscription?: Subscription;
  private position = -1n;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(@Inject(INFRA) private readonly infra: Infra) {}

  async onModuleInit(): Promise<void> {
    const history = await this.infra.eventStore.readAll({ streamPrefixes: SOURCES.gateway });
    this.apply(history);
    this.subscription = this.infra.eventStore.subscribeToAll(async (events) => this.apply(events), {
      after: this.position >= 0n ? this.position : undefined,
      streamPrefixes: SOURCES.gateway,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
  }

  get(botId: string): BotRecord | undefined {
    return this.bots.get(botId);
  }

  /** The bot a key belongs to, or undefined for an unknown or wrong key. */
  verifyKey(keyId: string, secret: string): string | undefined {
    const entry = this.keys.get(keyId);
    if (!entry) return undefined;
    const candidate = Buffer.from(hashKeySecret(secret), 'hex');
    return candidate.length === entry.hash.length && timingSafeEqual(candidate, entry.hash) ? entry.botId : undefined;
  }

  /** Resolves once the directory has seen the event at `position` (read-your-writes after a command). */
  caughtUpTo(position: bigint): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  private apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.position) continue;
      const data = event.data as Record<string, string>;
      if (event.type === E.botCreated) {
        this.bots.set(data.botId!, { id: data.botId!, name: data.name!, timezone: data.timezone ?? null, createdAt: data.createdAt! });
      } else if (event.type === E.apiKeyIssued) {
        this.keys.set(data.keyId!, { botId: data.botId!, hash: Buffer.from(data.keyHash!, 'hex') });
      }
      this.position = event.position;
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.position <= this.position) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
}
