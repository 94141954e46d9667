import { GATEWAY_EVENTS as E } from '@roster/contracts';
import { deciderSpec } from '@roster/testing';
import { botDecider, BotNotFoundError } from './bot';

const botId = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const now = '2026-11-25T12:00:00.000Z';
const spec = deciderSpec(botDecider);
const created = { type: E.botCreated, data: { botId, name: 'Shop bot', timezone: 'Europe/Amsterdam', createdAt: now } };

describe('Bot decider', () => {
  it('creates a bot once; creating it again changes nothing', () => {
    const create = { type: 'CreateBot' as const, data: { botId, name: 'Shop bot', timezone: 'Europe/Amsterdam' }, metadata: { now } };
    spec.given([]).when(create).then([created]);
    spec.given([created]).when(create).thenNothingHappens();
  });

  it('issues an API key (its hash only) for an existing bot, once per key id', () => {
    const issue = { type: 'IssueApiKey' as const, data: { botId, keyId: 'k1', keyHash: 'h' }, metadata: { now } };
    const issued = { type: E.apiKeyIssued, data: { botId, keyId: 'k1', keyHash: 'h', createdAt: now } };
    spec.given([created]).when(issue).then([issued]);
    spec.given([created, issued]).when(issue).thenNothingHappens();
  });

  it('refuses a key for a bot that does not exist', () => {
    spec.given([]).when({ type: 'IssueApiKey', data: { botId, keyId: 'k1', keyHash: 'h' }, metadata: { now } }).thenThrows(BotNotFoundError);
  });
});
