import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { INGESTION_EVENTS as E, streams, type ChannelConnection, type ChannelType } from '@roster/contracts';
import { NO_STREAM } from '@roster/eventstore';
import { INFRA, StreamLocks, type Infra } from '@roster/platform';
import { ChannelDirectory, secretSubject, type ConnectionRecord } from './channel-directory';

export class ChannelConflictError extends Error {
  constructor() {
    super('this platform account is connected already');
  }
}
export class ChannelNotFoundError extends Error {
  constructor() {
    super('no such channel connection');
  }
}

const view = ({ secret: _s, verifyToken: _v, ...connection }: ConnectionRecord): ChannelConnection => connection;

/** Connecting a platform account to a bot: one bot per (type, externalId); secrets encrypted, never returned. */
@Injectable()
export class ChannelsService {
  private readonly locks = new StreamLocks();

  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly directory: ChannelDirectory,
  ) {}

  connect(botId: string, type: ChannelType, externalId: string, secret: string, verifyToken: string | undefined, now = new Date()): Promise<ChannelConnection> {
    // One connect per account at a time in this process, so two racing requests cannot both pass the check.
    return this.locks.run(`${type}:${externalId}`, async () => {
      if (this.directory.find([type], externalId).length > 0) throw new ChannelConflictError();
      const connectionId = randomUUID();
      const subject = secretSubject(connectionId);
      const data = {
        botId,
        connectionId,
        type,
        externalId,
        secret: await this.infra.pii.encrypt(subject, secret),
        ...(verifyToken ? { verifyToken: await this.infra.pii.encrypt(subject, verifyToken) } : {}),
        at: now.toISOString(),
      };
      const appended = await this.infra.eventStore.appendToStream(
        streams.channel(botId, connectionId),
        [{ id: randomUUID(), type: E.channelConnected, data }],
        { expected: NO_STREAM },
      );
      await this.directory.caughtUpTo(appended.position);
      return view(this.directory.get(connectionId)!);
    });
  }

  list(botId: string): ChannelConnection[] {
    return this.directory.list(botId).map(view);
  }

  /** Disconnects and shreds the connection's secret key: the stored secret can never be read again. */
  async disconnect(botId: string, connectionId: string, now = new Date()): Promise<void> {
    const connection = this.directory.get(connectionId);
    if (!connection || connection.botId !== botId) throw new ChannelNotFoundError();
    const appended = await this.infra.eventStore.appendToStream(streams.channel(botId, connectionId), [
      { id: randomUUID(), type: E.channelDisconnected, data: { botId, connectionId, at: now.toISOString() } },
    ]);
    await this.directory.caughtUpTo(appended.position);
    await this.infra.pii.shred(secretSubject(connectionId));
  }
}
