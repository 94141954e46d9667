import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { INGESTION_EVENTS as E, type ChannelConnection, type ChannelType } from '@roster/contracts';
import type { RecordedEvent } from '@roster/eventstore';
import { INFRA, LiveStoreView, type Infra } from '@roster/platform';
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
export class ChannelDirectory extends LiveStoreView implements OnModuleInit, OnApplicationShutdown {
  private readonly byId = new Map<string, ConnectionRecord>();

  constructor(@Inject(INFRA) private readonly infra: Infra) {
    super(infra.eventStore, ['channel-']);
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
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

  protected async applyEvent(event: RecordedEvent): Promise<void> {
    const data = event.data as Record<string, unknown>;
    const id = data.connectionId as string;
    if (event.type === E.channelDisconnected) {
      this.byId.delete(id);
      return;
    }
    if (event.type !== E.channelConnected) return;
    const subject = secretSubject(id);
    const secret = await this.infra.pii.decrypt(subject, data.secret as EncryptedPii);
    const verifyToken = data.verifyToken ? await this.infra.pii.decrypt(subject, data.verifyToken as EncryptedPii) : undefined;
    // A shredded key (the connection was disconnected) leaves nothing to route by.
    if (typeof secret !== 'string') return;
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
}
