import { CATALOG_EVENTS as C } from '@roster/contracts';
import { deciderSpec } from '@roster/testing';
import { botCatalogDecider } from './bot-catalog';
import { FieldExistsError, TagExistsError } from './errors';

const botId = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const now = '2026-11-25T12:00:00.000Z';
const spec = deciderSpec(botCatalogDecider);
const vip = { type: C.tagDefined, data: { botId, name: 'VIP', createdAt: now } };

describe('Bot catalog decider', () => {
  it('defines a tag; names are unique case-insensitively', () => {
    spec.given([]).when({ type: 'DefineTag', data: { botId, name: ' VIP ', ifMissing: false }, metadata: { now } }).then([vip]);
    spec.given([vip]).when({ type: 'DefineTag', data: { botId, name: 'vip', ifMissing: false }, metadata: { now } }).thenThrows(TagExistsError);
  });
  it('on first use, an existing tag in any casing is fine (nothing decided)', () => {
    spec.given([vip]).when({ type: 'DefineTag', data: { botId, name: 'Vip', ifMissing: true }, metadata: { now } }).thenNothingHappens();
  });
  it('defines a field once per key', () => {
    const defined = { type: C.fieldDefined, data: { botId, key: 'email', label: 'E-mail', type: 'text' as const, createdAt: now } };
    spec.given([]).when({ type: 'DefineField', data: { botId, key: 'email', label: 'E-mail', type: 'text' }, metadata: { now } }).then([defined]);
    spec.given([defined]).when({ type: 'DefineField', data: { botId, key: 'email', label: null, type: 'number' }, metadata: { now } }).thenThrows(FieldExistsError);
  });
});
