import { StreamDeletedError, WrongExpectedVersionError, type AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { EventStoreError, ExpectedVersionConflictError } from '../port';
import {
  isUserEvent,
  positionOf,
  serverFilter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStreamState,
  translateAppendError,
} from './kurrentdb-mapping';

function resolvedEvent(
  overrides: { streamId?: string; type?: string; revision?: bigint; commit?: bigint; metadata?: unknown } = {},
): AllStreamResolvedEvent {
  const commit = overrides.commit ?? 1000n;
  return {
    event: {
      streamId: overrides.streamId ?? 'botUser-1',
      id: '0b6b7cb3-9e3f-4c59-8f37-43f1d6f5c1aa',
      isJson: true,
      revision: overrides.revision ?? 4n,
      type: overrides.type ?? 'user-profile.TagAdded.v1',
      created: new Date('2026-11-25T10:00:00.123Z'),
      data: { tag: 'vip' },
      metadata: overrides.metadata as Record<string, unknown> | undefined,
      position: { commit, prepare: commit },
    },
    commitPosition: commit,
  } as AllStreamResolvedEvent;
}

describe('KurrentDB mapping', () => {
  it('maps every expected revision to the client stream state', () => {
    expect(['any', 'no_stream', 'stream_exists', 7n].map((expected) => toStreamState(expected as never))).toEqual([
      'any',
      'no_stream',
      'stream_exists',
      7n,
    ]);
  });

  it('translates wrong-expected-version into our conflict, carrying stream, expected and actual', () => {
    const stale = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 2n, current: 5n });
    const missing = new WrongExpectedVersionError(undefined, { streamName: 's', expected: 'stream_exists', current: 'no_stream' });

    const staleConflict = translateAppendError(stale, 's', 2n) as ExpectedVersionConflictError;
    const missingConflict = translateAppendError(missing, 's', 'stream_exists') as ExpectedVersionConflictError;

    expect(staleConflict).toBeInstanceOf(ExpectedVersionConflictError);
    expect([staleConflict.streamName, staleConflict.expected, staleConflict.actual]).toEqual(['s', 2n, 5n]);
    expect(missingConflict.actual).toBe('no_stream');
  });

  it('turns a tombstoned stream into an EventStoreError and leaves other errors alone', () => {
    const tombstoned = translateAppendError(StreamDeletedError.fromStreamName('s'), 's', 'any');
    const other = new Error('connection lost');

    expect(tombstoned).toBeInstanceOf(EventStoreError);
    expect(tombstoned).not.toBeInstanceOf(ExpectedVersionConflictError);
    expect(translateAppendError(other, 's', 'any')).toBe(other);
  });

  it('converts a resolved event into a recorded event with a bigint commit position', () => {
    expect(toRecordedEvent(resolvedEvent({ metadata: { correlationId: 'c' } }))).toEqual({
      id: '0b6b7cb3-9e3f-4c59-8f37-43f1d6f5c1aa',
      type: 'user-profile.TagAdded.v1',
      streamName: 'botUser-1',
      revision: 4n,
      position: 1000n,
      data: { tag: 'vip' },
      metadata: { correlationId: 'c' },
      recordedAt: '2026-11-25T10:00:00.123Z',
    });
    expect(toRecordedEvent(resolvedEvent()).metadata).toEqual({});
  });

  it('takes the prepare position, which is the event own one also on stream reads', () => {
    const inMultiEventWrite = resolvedEvent({ commit: 900n });
    const withOwnPrepare = {
      ...inMultiEventWrite,
      event: { ...inMultiEventWrite.event!, position: { commit: 900n, prepare: 1300n } },
    } as AllStreamResolvedEvent;
    expect(positionOf(withOwnPrepare)).toBe(1300n);
  });

  it('refuses to invent a position the server did not send', () => {
    const noPosition = { event: { ...resolvedEvent().event!, position: undefined } } as AllStreamResolvedEvent;
    expect(positionOf(resolvedEvent({ commit: 2n ** 64n - 1n }))).toBeUndefined();
    expect(() => toRecordedEvent(noPosition)).toThrow(EventStoreError);
  });

  it('treats system events, system streams and the adapter own streams as not for users', () => {
    expect(isUserEvent(resolvedEvent())).toBe(true);
    expect(isUserEvent(resolvedEvent({ type: '$metadata' }))).toBe(false);
    expect(isUserEvent(resolvedEvent({ streamId: '$$botUser-1' }))).toBe(false);
    expect(isUserEvent(resolvedEvent({ streamId: 'roster-internal-checkpoint-relay' }))).toBe(false);
    expect(isUserEvent({ commitPosition: 5n })).toBe(false);
  });

  it('filters by the given prefixes, or else excludes system and internal streams on the server', () => {
    expect(serverFilter(['botUser-', 'import-'])).toMatchObject({ filterOn: 'streamName', prefixes: ['botUser-', 'import-'] });
    const unfiltered = serverFilter(undefined);
    const regex = new RegExp('regex' in unfiltered ? unfiltered.regex : 'missing');
    expect(['botUser-1', 'import-9', 'roster-internals'].map((name) => regex.test(name))).toEqual([true, true, true]);
    expect(['$$botUser-1', '$stats-127.0.0.1:2113', 'roster-internal-checkpoint-relay'].some((name) => regex.test(name))).toBe(false);
  });

  it('writes JSON events, with null for undefined data, and reads $all from a position inclusively', () => {
    const data = toEventData({ id: '0b6b7cb3-9e3f-4c59-8f37-43f1d6f5c1aa', type: 't.v1', data: undefined, metadata: { a: 1 } });
    expect(data).toMatchObject({ contentType: 'application/json', type: 't.v1', data: null, metadata: { a: 1 } });
    expect(toReadPosition(undefined)).toBe('start');
    expect(toReadPosition(42n)).toEqual({ commit: 42n, prepare: 42n });
  });
});
