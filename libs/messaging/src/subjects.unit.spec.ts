import { assertConsumerName, eventSubject, eventTypeTokens, sourceSubjects, streamNameFor } from './subjects';

const NATS_TOKEN = /^[^\s.*>]+$/;

describe('subject names', () => {
  it('uses plain versioned type names as subject levels', () => {
    expect(eventSubject('user-profile', 'user-profile.BotUserCreated.v1')).toBe(
      'roster.evt.user-profile.user-profile.BotUserCreated.v1',
    );
    expect(sourceSubjects('user-profile')).toBe('roster.evt.user-profile.>');
  });

  it.each(['Thing Removed', 'a..b', '.lead', 'trail.', 'a*b', 'a>b', 'ünïcode', ''])(
    'turns the type %p into valid, distinct subject tokens',
    (type) => {
      const tokens = eventTypeTokens(type);
      expect(tokens.split('.').every((t) => NATS_TOKEN.test(t))).toBe(true);
      expect(tokens).not.toBe(eventTypeTokens(`${type}x`));
      expect(tokens.startsWith('~')).toBe(true);
    },
  );

  it('never maps an encoded type onto a plain one', () => {
    const plain = eventTypeTokens('abc');
    expect(plain).toBe('abc');
    expect(eventTypeTokens('a b')).not.toBe(eventTypeTokens(Buffer.from('a b').toString('base64url')));
  });

  it('derives the stream name from the source', () => {
    expect(streamNameFor('user-profile')).toBe('ROSTER_EVT_USER_PROFILE');
  });

  it('rejects source and consumer names that cannot be NATS names', () => {
    expect(() => streamNameFor('User Profile')).toThrow(/invalid event source/);
    expect(() => eventSubject('a.b', 'x')).toThrow(/invalid event source/);
    expect(() => assertConsumerName('segmentation.list')).toThrow(/invalid consumer name/);
    expect(() => assertConsumerName('segmentation-user-list')).not.toThrow();
  });
});
