import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { streams } from '@roster/contracts';
import { handleCommand, INFRA, type Infra } from '@roster/platform';
import { BotDirectory, hashKeySecret, type BotRecord } from './bot-directory';
import { botDecider } from './domain/bot';

@Injectable()
export class BotsService {
  constructor(
    @Inject(INFRA) private readonly infra: Infra,
    private readonly directory: BotDirectory,
  ) {}

  async create(name: string, timezone: string | null, now = new Date()): Promise<BotRecord> {
    const botId = randomUUID();
    const outcome = await handleCommand(this.infra.eventStore, this.infra.codec, botDecider, streams.bot(botId), {
      type: 'CreateBot',
      data: { botId, name, timezone },
      metadata: { now: now.toISOString() },
    });
    await this.directory.caughtUpTo(outcome.position!);
    return this.directory.get(botId)!;
  }

  /** Mints a key; only its hash is stored. The key itself is returned once, here. */
  async issueApiKey(botId: string, now = new Date()): Promise<{ id: string; key: string; botId: string; createdAt: string }> {
    const keyId = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const outcome = await handleCommand(this.infra.eventStore, this.infra.codec, botDecider, streams.bot(botId), {
      type: 'IssueApiKey',
      data: { botId, keyId, keyHash: hashKeySecret(secret) },
      metadata: { now: now.toISOString() },
    });
    await this.directory.caughtUpTo(outcome.position!);
    return { id: keyId, key: `rk_${keyId}.${secret}`, botId, createdAt: now.toISOString() };
  }
}
