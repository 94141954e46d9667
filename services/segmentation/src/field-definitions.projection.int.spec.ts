import { randomUUID } from 'node:crypto';
import { CATALOG_EVENTS, streams } from '@roster/contracts';
import type { DeliveredEvent } from '@roster/messaging';
import { createTestInfra, type TestInfra } from '@roster/platform';
import { FieldDefinitionsProjection } from './field-definitions.projection';

describe('FieldDefinitionsProjection', () => {
  let infra: TestInfra;
  const botId = randomUUID();

  beforeEach(async () => {
    infra = await createTestInfra();
  });
  afterEach(async () => {
    await infra.dispose();
  });

  async function define(key: string, type: string): Promise<DeliveredEvent[]> {
    const stream = streams.botCatalog(botId);
    await infra.eventStore.appendToStream(stream, [await infra.codec.encode({ type: CATALOG_EVENTS.fieldDefined, data: { botId, key, label: null, type, createdAt: new Date().toISOString() } })]);
    const recorded = await infra.eventStore.readStream(stream);
    return recorded.slice(-1).map((e) => ({ ...e, source: 'user-profile' }));
  }

  it('answers a bot\'s field types from its cache, and sees a field defined since at once', async () => {
    const projection = new FieldDefinitionsProjection(infra);
    await projection.apply(await define('plan', 'text'));
    expect(await projection.typesOf(botId)).toEqual({ plan: 'text' });
    await projection.apply(await define('score', 'number'));
    expect(await projection.typesOf(botId)).toEqual({ plan: 'text', score: 'number' });
    const again = await define('score', 'number');
    await projection.apply(again);
    await projection.apply(again);
    expect(await projection.typesOf(botId)).toEqual({ plan: 'text', score: 'number' });
    expect(await projection.typesOf(randomUUID())).toEqual({});
  });

  it('indexes a text field on its lower-cased copy and other fields on their value', async () => {
    const projection = new FieldDefinitionsProjection(infra);
    await projection.apply(await define('plan', 'text'));
    await projection.apply(await define('score', 'number'));
    const users = infra.readStore.collection('users') as unknown as {
      explainCount(filter: unknown): { stats: { strategy: string; source?: string } };
    };
    const count = (field: string, value: unknown) =>
      users.explainCount({ and: [{ field: 'botId', op: 'eq', value: botId }, { field, op: 'eq', value }] }).stats;
    expect(count('search.text.plan', 'gold').source).toContain('search.text.plan');
    expect(count('fields.score', 3).source).toContain('fields.score');
  });
});
