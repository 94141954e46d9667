import { ingestBodySchema, MAX_EVENTS_PER_BATCH } from './normalized-event';

const good = { eventId: 'a', type: 'message.received', channel: 'messenger', channelUserId: 'x', occurredAt: '2026-01-01T00:00:00Z' };
const problems = (body: unknown) => {
  const result = ingestBodySchema.safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

describe('the ingestion body', () => {
  it('accepts one event or a batch, with type-specific fields', () => {
    expect(problems(good)).toEqual([]);
    expect(problems({ events: [good, { ...good, eventId: 'b', type: 'tag.added', tag: 'vip', occurredAt: '2026-01-01T02:00:00+02:00' }] })).toEqual([]);
    expect(problems({ ...good, type: 'otn.optin', topicId: 't1', topicName: 'Restock' })).toEqual([]);
  });

  it('names every bad field of a batch by its path', () => {
    expect(problems({ events: [good, { ...good, channel: 'pigeon', occurredAt: 'yesterday' }] }).sort()).toEqual(['events.1.channel', 'events.1.occurredAt']);
    expect(problems({ events: [{ ...good, eventId: undefined }] })).toEqual(['events.0.eventId']);
  });

  it('names the field of a single bad event, and an unknown type', () => {
    expect(problems({ ...good, occurredAt: '2026-01-01' })).toEqual(['occurredAt']);
    expect(problems({ ...good, type: 'nope' })).toEqual(['type']);
    expect(problems({ ...good, type: 'tag.added' })).toEqual(['tag']);
    expect(problems({ ...good, surprise: 1 })).toEqual(['']);
  });

  it('requires an offset on times, valid profile values and at most 1000 events', () => {
    expect(problems({ ...good, occurredAt: '2026-01-01T00:00:00' })).toEqual(['occurredAt']);
    expect(problems({ ...good, profile: { email: 'not-an-email' } })).toEqual(['profile.email']);
    expect(problems({ events: [] })).toEqual(['events']);
    expect(problems({ events: Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, (_, i) => ({ ...good, eventId: String(i) })) })).toEqual(['events']);
  });
});
