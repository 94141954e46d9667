import { USER_PROFILE_EVENTS as E } from '@roster/contracts';
import { deciderSpec } from '@roster/testing';
import { botUserDecider, type BotUserCommand } from './bot-user';
import { BotUserNotFoundError, FieldValueError, NoteNotFoundError } from './errors';

const botId = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const userId = '0d7f6a2b-1c3e-4f5a-8b9c-0d1e2f3a4b5c';
const now = '2026-11-25T12:00:00.000Z';
const t = (h: number) => `2026-11-25T${String(h).padStart(2, '0')}:00:00.000Z`;
const spec = deciderSpec(botUserDecider);
const ids = { botId, userId };

const created = {
  type: E.created,
  data: { ...ids, channel: 'sms' as const, channelUserId: '+31600000000', profile: {}, status: 'subscribed' as const, subscribedAt: t(1), lastInteractionAt: t(1), createdAt: t(1) },
};
const cmd = <T extends BotUserCommand['type']>(type: T, data: object) => ({ type, data: { ...ids, ...data }, metadata: { now } }) as Extract<BotUserCommand, { type: T }>;
const tagAdded = (tag: string, at = t(2)) => ({ type: E.tagAdded, data: { ...ids, tag, at } });

describe('BotUser decider: tags', () => {
  it('adds a tag; adding it again (any casing) decides nothing', () => {
    spec.given([created]).when(cmd('AddTag', { tag: 'VIP', at: t(2) })).then([tagAdded('VIP')]);
    spec.given([created, tagAdded('VIP')]).when(cmd('AddTag', { tag: 'vip', at: t(3) })).thenNothingHappens();
  });
  it('removes a tag by any casing, naming it as stored; removing an absent tag decides nothing', () => {
    spec.given([created, tagAdded('VIP')]).when(cmd('RemoveTag', { tag: 'vip', at: t(3) })).then([{ type: E.tagRemoved, data: { ...ids, tag: 'VIP', at: t(3) } }]);
    spec.given([created]).when(cmd('RemoveTag', { tag: 'vip', at: t(3) })).thenNothingHappens();
  });
  it('ignores a tag change older than the last change of that tag (out-of-order channel events)', () => {
    const removedAt4 = { type: E.tagRemoved, data: { ...ids, tag: 'VIP', at: t(4) } };
    spec.given([created, tagAdded('VIP'), removedAt4]).when(cmd('AddTag', { tag: 'VIP', at: t(3) })).thenNothingHappens();
  });
  it('refuses edits of a user that does not exist', () => {
    spec.given([]).when(cmd('AddTag', { tag: 'VIP', at: t(2) })).thenThrows(BotUserNotFoundError);
  });
});

describe('BotUser decider: custom fields', () => {
  it('sets a typed value, normalized; the same value again decides nothing', () => {
    spec.given([created]).when(cmd('SetField', { key: 'seen', fieldType: 'datetime', value: '2026-11-25T13:00:00+01:00', at: t(2) }))
      .then([{ type: E.fieldSet, data: { ...ids, key: 'seen', fieldType: 'datetime', value: '2026-11-25T12:00:00.000Z', at: t(2) } }]);
    const set = { type: E.fieldSet, data: { ...ids, key: 'score', fieldType: 'number' as const, value: 3, at: t(2) } };
    spec.given([created, set]).when(cmd('SetField', { key: 'score', fieldType: 'number', value: 3, at: t(3) })).thenNothingHappens();
  });
  it('rejects a value of the wrong type, saying which type was expected', () => {
    spec.given([created]).when(cmd('SetField', { key: 'score', fieldType: 'number', value: '12', at: t(2) })).thenThrows(FieldValueError, /expected a number/);
  });
  it('clears a set field; clearing an absent one decides nothing', () => {
    const set = { type: E.fieldSet, data: { ...ids, key: 'score', fieldType: 'number' as const, value: 3, at: t(2) } };
    spec.given([created, set]).when(cmd('ClearField', { key: 'score', at: t(3) })).then([{ type: E.fieldCleared, data: { ...ids, key: 'score', at: t(3) } }]);
    spec.given([created]).when(cmd('ClearField', { key: 'score', at: t(3) })).thenNothingHappens();
  });
  it('ignores an older field change arriving after a newer one', () => {
    const set = { type: E.fieldSet, data: { ...ids, key: 'score', fieldType: 'number' as const, value: 3, at: t(5) } };
    spec.given([created, set]).when(cmd('SetField', { key: 'score', fieldType: 'number', value: 1, at: t(4) })).thenNothingHappens();
  });
});

describe('BotUser decider: notes', () => {
  const added = { type: E.noteAdded, data: { ...ids, noteId: 'n1', text: 'called back', at: now } };
  it('adds a note (once per note id)', () => {
    spec.given([created]).when(cmd('AddNote', { noteId: 'n1', text: 'called back' })).then([added]);
    spec.given([created, added]).when(cmd('AddNote', { noteId: 'n1', text: 'called back' })).thenNothingHappens();
  });
  it('edits a note; the same text decides nothing; an unknown note is an error', () => {
    spec.given([created, added]).when(cmd('EditNote', { noteId: 'n1', text: 'called twice' })).then([{ type: E.noteEdited, data: { ...ids, noteId: 'n1', text: 'called twice', at: now } }]);
    spec.given([created, added]).when(cmd('EditNote', { noteId: 'n1', text: 'called back' })).thenNothingHappens();
    spec.given([created]).when(cmd('EditNote', { noteId: 'n1', text: 'x' })).thenThrows(NoteNotFoundError);
  });
  it('deletes a note; an unknown note is an error', () => {
    spec.given([created, added]).when(cmd('DeleteNote', { noteId: 'n1' })).then([{ type: E.noteDeleted, data: { ...ids, noteId: 'n1', at: now } }]);
    spec.given([created]).when(cmd('DeleteNote', { noteId: 'n1' })).thenThrows(NoteNotFoundError);
  });
});

describe('BotUser decider: sequences and OTN topics', () => {
  const subscribed = { type: E.sequenceSubscribed, data: { ...ids, sequenceId: 's1', sequenceName: 'Onboarding', at: t(2) } };
  const optedIn = { type: E.otnOptedIn, data: { ...ids, topicId: 'o1', topicName: 'Restock', at: t(2) } };
  it('subscribes once and unsubscribes; the absent case decides nothing', () => {
    spec.given([created]).when(cmd('SubscribeToSequence', { sequenceId: 's1', sequenceName: 'Onboarding', at: t(2) })).then([subscribed]);
    spec.given([created, subscribed]).when(cmd('SubscribeToSequence', { sequenceId: 's1', at: t(3) })).thenNothingHappens();
    spec.given([created, subscribed]).when(cmd('UnsubscribeFromSequence', { sequenceId: 's1', at: t(3) })).then([{ type: E.sequenceUnsubscribed, data: { ...ids, sequenceId: 's1', at: t(3) } }]);
    spec.given([created]).when(cmd('UnsubscribeFromSequence', { sequenceId: 's1', at: t(3) })).thenNothingHappens();
  });
  it('opts in once and removes an OTN topic; the absent case decides nothing', () => {
    spec.given([created]).when(cmd('OptInToOtnTopic', { topicId: 'o1', topicName: 'Restock', at: t(2) })).then([optedIn]);
    spec.given([created, optedIn]).when(cmd('OptInToOtnTopic', { topicId: 'o1', at: t(3) })).thenNothingHappens();
    spec.given([created, optedIn]).when(cmd('RemoveOtnTopic', { topicId: 'o1', at: t(3) })).then([{ type: E.otnRemoved, data: { ...ids, topicId: 'o1', at: t(3) } }]);
    spec.given([created]).when(cmd('RemoveOtnTopic', { topicId: 'o1', at: t(3) })).thenNothingHappens();
  });
  it('does not re-subscribe on a subscription older than the removal', () => {
    const removed = { type: E.sequenceUnsubscribed, data: { ...ids, sequenceId: 's1', at: t(4) } };
    spec.given([created, subscribed, removed]).when(cmd('SubscribeToSequence', { sequenceId: 's1', at: t(3) })).thenNothingHappens();
  });
});
