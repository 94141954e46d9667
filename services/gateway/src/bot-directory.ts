import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_EVENTS as E, SOURCES } from '@roster/contracts';
import type { RecordedEvent } from '@roster/eventstore';
import { INFRA, LiveStoreView, type Infra } from '@roster/platform';

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
export class BotDirectory extends LiveStoreView implements OnModuleInit, OnApplicationShutdown {
  private readonly bots = new Map<string, BotRecord>();
  private readonly keys = new Map<string, { botId: string; hash: Buffer }>();

  constructor(@Inject(INFRA) infra: Infra) {
    super(infra.eventStore, SOURCES.gateway);
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
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

  protected applyEvent(event: RecordedEvent): void {
    const data = event.data as Record<string, string>;
    if (event.type === E.botCreated) {
      this.bots.set(data.botId!, { id: data.botId!, name: data.name!, timezone: data.timezone ?? null, createdAt: data.createdAt! });
    } else if (event.type === E.apiKeyIssued) {
      this.keys.set(data.keyId!, { botId: data.botId!, hash: Buffer.from(data.keyHash!, 'hex') });
    }
  }
}
