import { USER_PROFILE_EVENTS as E, type BotUserEvent } from '@roster/contracts';
import { padPosition, withWalkKeys, type WalkableUserDoc } from './search-keys';
import { applyToUserDoc, SUMMARY_FIELDS, toSummary, type UserListDoc } from './user-list-doc';

const botId = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const userId = '0d7f6a2b-1c3e-4f5a-8b9c-0d1e2f3a4b5c';
const at = '2026-11-25T12:00:00.000Z';

const created: BotUserEvent = {
  type: E.created,
  data: {
    botId,
    userId,
    channel: 'messenger',
    channelUserId: 'psid-1',
    profile: { firstName: 'Ada', lastName: 'Lovelace', phone: '+31612345678', email: 'ada@example.com' },
    status: 'subscribed',
    subscribedAt: '2026-11-01T10:00:00Z',
    lastInteractionAt: '2026-11-01T10:00:00Z',
    createdAt: '2026-11-01T10:00:01Z',
  },
};
const ref = { botId, userId, at };
const tagAdded = (tag: string): BotUserEvent => ({ type: E.tagAdded, data: { ...ref, tag } });
const tagRemoved = (tag: string): BotUserEvent => ({ type: E.tagRemoved, data: { ...ref, tag } });
const fieldSet = (key: string, fieldType: 'text' | 'number' | 'date' | 'datetime' | 'boolean', value: string | number | boolean): BotUserEvent => ({
  type: E.fieldSet,
  data: { ...ref, key, fieldType, value },
});
const fieldCleared = (key: string): BotUserEvent => ({ type: E.fieldCleared, data: { ...ref, key } });
const sequenceSubscribed = (sequenceId: string, sequenceName?: string): BotUserEvent => ({
  type: E.sequenceSubscribed,
  data: { ...ref, sequenceId, ...(sequenceName ? { sequenceName } : {}) },
});
const sequenceUnsubscribed = (sequenceId: string): BotUserEvent => ({ type: E.sequenceUnsubscribed, data: { ...ref, sequenceId } });
const otnOptedIn = (topicId: string, topicName?: string): BotUserEvent => ({
  type: E.otnOptedIn,
  data: { ...ref, topicId, ...(topicName ? { topicName } : {}) },
});
const otnRemoved = (topicId: string): BotUserEvent => ({ type: E.otnRemoved, data: { ...ref, topicId } });

/** given([events]).when(event).then(changes): the document after the event is the one before with exactly `changes`. */
function given(events: readonly BotUserEvent[]) {
  const before = events.reduce<UserListDoc | undefined>(applyToUserDoc, undefined);
  return {
    when(event: BotUserEvent) {
      const after = applyToUserDoc(before, event);
      return {
        then(changes: Partial<UserListDoc>) {
          expect(after).toEqual({ ...before, ...changes });
        },
        thenUnchanged() {
          expect(after).toEqual(before);
        },
        thenNoDocument() {
          expect(after).toBeUndefined();
        },
      };
    },
  };
}

describe('user-list document: BotUserCreated', () => {
  it('starts with the profile, no tags, fields, sequences or OTN topics', () => {
    expect(applyToUserDoc(undefined, created)).toEqual({
      id: userId,
      botId,
      channel: 'messenger',
      channelUserId: 'psid-1',
      name: 'Ada Lovelace',
      fullName: null,
      firstName: 'Ada',
      lastName: 'Lovelace',
      gender: null,
      language: null,
      locale: null,
      timezone: null,
      profilePicUrl: null,
      phone: '+31612345678',
      email: 'ada@example.com',
      status: 'subscribed',
      subscribedAt: '2026-11-01T10:00:00.000Z',
      lastInteractionAt: '2026-11-01T10:00:00.000Z',
      createdAt: '2026-11-01T10:00:01.000Z',
      tags: [],
      fields: {},
      fieldTypes: {},
      sequences: [],
      otnTopics: [],
    });
  });

  it('ignores record events of a user it has not seen created', () => {
    given([]).when(tagAdded('VIP')).thenNoDocument();
    given([]).when(fieldSet('age', 'number', 36)).thenNoDocument();
  });
});

describe('user-list document: tags', () => {
  it('adds a tag', () => {
    given([created]).when(tagAdded('VIP')).then({ tags: ['VIP'] });
  });

  it('keeps tags in the order they were added', () => {
    given([created, tagAdded('VIP'), tagAdded('Lead')]).when(tagAdded('Churned')).then({ tags: ['VIP', 'Lead', 'Churned'] });
  });

  it('adding a present tag is a no-op (also in another casing: the first casing stays)', () => {
    given([created, tagAdded('VIP')]).when(tagAdded('VIP')).thenUnchanged();
    given([created, tagAdded('VIP')]).when(tagAdded('vip')).thenUnchanged();
  });

  it('removes a tag, comparing case-insensitively', () => {
    given([created, tagAdded('VIP'), tagAdded('Lead')]).when(tagRemoved('VIP')).then({ tags: ['Lead'] });
    given([created, tagAdded('VIP'), tagAdded('Lead')]).when(tagRemoved('vip')).then({ tags: ['Lead'] });
  });

  it('removing an absent tag is a no-op', () => {
    given([created, tagAdded('VIP')]).when(tagRemoved('Lead')).thenUnchanged();
    given([created]).when(tagRemoved('Lead')).thenUnchanged();
  });

  it('a tag removed and added again goes to the end', () => {
    given([created, tagAdded('VIP'), tagAdded('Lead'), tagRemoved('VIP')]).when(tagAdded('VIP')).then({ tags: ['Lead', 'VIP'] });
  });
});

describe('user-list document: custom fields', () => {
  it('sets a value in its JSON type and remembers the field type', () => {
    given([created]).when(fieldSet('age', 'number', 36)).then({ fields: { age: 36 }, fieldTypes: { age: 'number' } });
    given([created]).when(fieldSet('vip', 'boolean', false)).then({ fields: { vip: false }, fieldTypes: { vip: 'boolean' } });
    given([created]).when(fieldSet('city', 'text', 'London')).then({ fields: { city: 'London' }, fieldTypes: { city: 'text' } });
    given([created]).when(fieldSet('born', 'date', '1815-12-10')).then({ fields: { born: '1815-12-10' }, fieldTypes: { born: 'date' } });
    given([created])
      .when(fieldSet('seen', 'datetime', '2026-11-25T09:00:00.000Z'))
      .then({ fields: { seen: '2026-11-25T09:00:00.000Z' }, fieldTypes: { seen: 'datetime' } });
  });

  it('replaces a value and keeps the other fields', () => {
    given([created, fieldSet('age', 'number', 36), fieldSet('city', 'text', 'London')])
      .when(fieldSet('age', 'number', 37))
      .then({ fields: { age: 37, city: 'London' }, fieldTypes: { age: 'number', city: 'text' } });
  });

  it('clears a value: the key leaves fields and fieldTypes', () => {
    given([created, fieldSet('age', 'number', 36), fieldSet('city', 'text', 'London')])
      .when(fieldCleared('age'))
      .then({ fields: { city: 'London' }, fieldTypes: { city: 'text' } });
  });

  it('clearing an absent field is a no-op', () => {
    given([created, fieldSet('city', 'text', 'London')]).when(fieldCleared('age')).thenUnchanged();
    given([created]).when(fieldCleared('age')).thenUnchanged();
  });
});

describe('user-list document: sequences', () => {
  it('subscribes to a sequence by id (the name is not kept in the list)', () => {
    given([created]).when(sequenceSubscribed('seq-1', 'Welcome')).then({ sequences: ['seq-1'] });
    given([created, sequenceSubscribed('seq-1')]).when(sequenceSubscribed('seq-2')).then({ sequences: ['seq-1', 'seq-2'] });
  });

  it('subscribing again is a no-op', () => {
    given([created, sequenceSubscribed('seq-1', 'Welcome')]).when(sequenceSubscribed('seq-1', 'Welcome')).thenUnchanged();
  });

  it('unsubscribes from a sequence', () => {
    given([created, sequenceSubscribed('seq-1'), sequenceSubscribed('seq-2')]).when(sequenceUnsubscribed('seq-1')).then({ sequences: ['seq-2'] });
  });

  it('unsubscribing from a sequence the user is not in is a no-op', () => {
    given([created, sequenceSubscribed('seq-1')]).when(sequenceUnsubscribed('seq-2')).thenUnchanged();
  });
});

describe('user-list document: OTN topics', () => {
  it('opts in to a topic by id (the name is not kept in the list)', () => {
    given([created]).when(otnOptedIn('topic-1', 'Back in stock')).then({ otnTopics: ['topic-1'] });
    given([created, otnOptedIn('topic-1')]).when(otnOptedIn('topic-2')).then({ otnTopics: ['topic-1', 'topic-2'] });
  });

  it('opting in again is a no-op', () => {
    given([created, otnOptedIn('topic-1')]).when(otnOptedIn('topic-1')).thenUnchanged();
  });

  it('removes a topic', () => {
    given([created, otnOptedIn('topic-1'), otnOptedIn('topic-2')]).when(otnRemoved('topic-2')).then({ otnTopics: ['topic-1'] });
  });

  it('removing an absent topic is a no-op', () => {
    given([created, otnOptedIn('topic-1')]).when(otnRemoved('topic-2')).thenUnchanged();
  });
});

describe('user-list document: notes', () => {
  it('are not part of the list', () => {
    const history = [created, tagAdded('VIP')];
    given(history).when({ type: E.noteAdded, data: { ...ref, noteId: 'n1', text: 'called back' } }).thenUnchanged();
    given(history).when({ type: E.noteEdited, data: { ...ref, noteId: 'n1', text: 'called twice' } }).thenUnchanged();
    given(history).when({ type: E.noteDeleted, data: { ...ref, noteId: 'n1' } }).thenUnchanged();
  });
});

describe('toSummary', () => {
  it('shows exactly the api.md summary fields', () => {
    const history = [created, tagAdded('VIP'), fieldSet('age', 'number', 36), sequenceSubscribed('seq-1'), otnOptedIn('topic-1')];
    const doc = history.reduce<UserListDoc | undefined>(applyToUserDoc, undefined)!;
    const summary = toSummary(doc);
    expect(Object.keys(summary).sort()).toEqual(
      [
        'id',
        'botId',
        'channel',
        'channelUserId',
        'name',
        'firstName',
        'lastName',
        'gender',
        'language',
        'locale',
        'timezone',
        'profilePicUrl',
        'status',
        'subscribedAt',
        'lastInteractionAt',
        'tags',
        'fields',
      ].sort(),
    );
    expect(summary).toMatchObject({ name: 'Ada Lovelace', tags: ['VIP'], fields: { age: 36 } });
  });

  it('needs no field beyond id and SUMMARY_FIELDS (what a search asks the store for)', () => {
    const history = [created, tagAdded('VIP'), fieldSet('age', 'number', 36)];
    const doc = history.reduce<UserListDoc | undefined>(applyToUserDoc, undefined)!;
    const picked = Object.fromEntries(Object.entries(doc).filter(([key]) => key === 'id' || (SUMMARY_FIELDS as readonly string[]).includes(key)));
    expect(toSummary(picked as unknown as UserListDoc)).toEqual(toSummary(doc));
    expect(Object.keys(toSummary(doc)).sort()).toEqual(['id', ...SUMMARY_FIELDS].sort());
  });
});

describe('user-list document: the projection hands over the stored document itself', () => {
  it('never changes the document (nor its walk keys) it is given, for any event', () => {
    const at2 = '2026-11-26T12:00:00.000Z';
    const history: BotUserEvent[] = [
      created,
      { type: E.interacted, data: { botId, userId, occurredAt: at2 } },
      { type: E.profileUpdated, data: { botId, userId, changes: { firstName: 'Augusta', email: null }, occurredAt: at2 } },
      { type: E.unsubscribed, data: { botId, userId, occurredAt: at2 } },
      { type: E.subscribed, data: { botId, userId, occurredAt: at2 } },
      tagAdded('VIP'),
      tagAdded('vip'),
      tagRemoved('VIP'),
      fieldSet('age', 'number', 36),
      fieldSet('city', 'text', 'London'),
      fieldCleared('age'),
      sequenceSubscribed('s1'),
      sequenceUnsubscribed('s1'),
      otnOptedIn('t1'),
      otnRemoved('t1'),
      { type: E.noteAdded, data: { ...ref, noteId: 'n1', text: 'called back' } },
    ];
    let doc: WalkableUserDoc | undefined;
    history.forEach((event, i) => {
      const before = deepFreeze(doc);
      const next = applyToUserDoc(before, event);
      doc = next && withWalkKeys(before, next, BigInt(i + 1), i % 2 === 0 ? undefined : [padPosition(BigInt(i - 1))]);
    });
    expect(doc).toMatchObject({ firstName: 'Augusta', tags: [], fields: { city: 'London' }, sequences: [], otnTopics: [] });
  });
});

/** Freezes a value and everything in it: changing it then throws (spec files are strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
