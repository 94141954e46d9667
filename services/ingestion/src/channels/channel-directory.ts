import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { INGESTION_EVENTS as E, type ChannelConnection, type ChannelType } from '@roster/contracts';
import type { RecordedEvent, Subscription } from '@roster/eventstore';
import { INFRA, type Infra } from '@roster/platform';
import type { EncryptedPii } from '@roster/privacy';

export interface ConnectionRecord extends ChannelConnection {
  readonly secret: string;
  readonly verifyToken?: string;
}

/** Secrets are encrypted under a key of their own connection (so disconnecting can shred it). */
export const secretSubject = (connectionId: string) => `channel:${connectionId}`;

/**
 * Every bot's channel connections, in memory, rebuilt from ingestion's own store at start and kept live by a
 * subscription; secrets decrypted only here. Webhooks are routed by (type, externalId).
 */
@Injectable()
export class ChannelDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly byId = new Map<string, ConnectionRecord>();
  private subscription?: Subscription;
  private position = -1n;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(@Inject(INFRA) private readonly infra: Infra) {}

  async onModuleInit(): Promise<void> {
    await this.apply(await this.infra.eventStore.readAll({ streamPrefixes: ['channel-'] }));
    this.subscription = this.infra.eventStore.subscribeToAll((events) => this.apply(events), {
      after: this.position >= 0n ? this.position : undefined,
      streamPrefixes: ['channel-'],
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
  }

  list(botId: string): ConnectionRecord[] {
    return [...this.byId.values()].filter((c) => c.botId === botId);
  }

  get(connectionId: string): ConnectionRecord | undefined {
    return this.byId.get(connectionId);
  }

  find(types: readonly ChannelType[], externalId?: string): ConnectionRecord[] {
    return [...this.byId.values()].filter((c) => types.includes(c.type) && (externalId === undefined || c.externalId === externalId));
  }

  caughtUpTo(position: bigint): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.position <= this.position) continue;
      const data = event.data as Record<string, unknown>;
      const id = data.connectionId as string;
      if (event.type === E.channelConnected) {
        const subject = secretSubject(id);
        const secret = await this.infra.pii.decrypt(subject, data.secret as EncryptedPii);
        const verifyToken = data.verifyToken ? await this.infra.pii.decrypt(subject, data.verifyToken as EncryptedPii) : undefined;
        if (typeof secret === 'string') {
          this.byId.set(id, {
            id,
            botId: data.botId as string,
            type: data.type as ChannelType,
            externalId: data.externalId as string,
            hasVerifyToken: typeof verifyToken === 'string',
            createdAt: data.at as string,
            secret,
            ...(typeof verifyToken === 'string' ? { verifyToken } : {}),
          });
        }
      } else if (event.type === E.channelDisconnected) {
        this.byId.delete(id);
      }
      this.position = event.position;
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.position <= this.position) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
}
