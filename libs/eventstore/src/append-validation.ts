import { EventStoreError, type EventToAppend, type ExpectedRevision, type SnapshotToWrite, type StreamAppend } from './port';

/**
 * Checks shared by every adapter, so that a bad append fails the same way whichever store is configured.
 * Messages carry stream names and event ids only (both are opaque ids by convention), never payloads.
 */
export function assertAppendable(streamName: string, events: readonly EventToAppend[]): void {
  if (typeof streamName !== 'string' || streamName.length === 0) {
    throw new EventStoreError('stream name must be a non-empty string');
  }
  if (streamName.startsWith('$')) {
    throw new EventStoreError(`stream ${streamName}: names starting with $ are reserved for the store`);
  }
  if (events.length === 0) {
    throw new EventStoreError(`stream ${streamName}: an append needs at least one event`);
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || event.id.length === 0) {
      throw new EventStoreError(`stream ${streamName}: every event needs an id`);
    }
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new EventStoreError(`stream ${streamName}: event ${event.id} needs a type`);
    }
    if (ids.has(event.id)) {
      throw new EventStoreError(`stream ${streamName}: event id ${event.id} appears twice in one append`);
    }
    ids.add(event.id);
  }
}

/** `undefined` has no JSON form; store it as null rather than failing or writing an empty payload. */
export function jsonData(data: unknown): unknown {
  return data === undefined ? null : data;
}

/** Rejects what the type system cannot catch at a JSON edge, e.g. a JS number where a bigint revision belongs. */
export function assertExpectedRevision(streamName: string, expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected !== 'bigint' || expected < 0n) {
    throw new EventStoreError(`stream ${streamName}: expected revision must be any, no_stream, stream_exists or a bigint >= 0`);
  }
}

/** Every entry must be appendable, and an event id may appear only once in the whole call. */
export function assertAppendMany(appends: readonly StreamAppend[]): void {
  const ids = new Set<string>();
  for (const append of appends) {
    assertAppendable(append.streamName, append.events);
    assertExpectedRevision(append.streamName, append.expected);
    for (const event of append.events) {
      if (ids.has(event.id)) throw new EventStoreError(`event id ${event.id} appears twice in one appendMany`);
      ids.add(event.id);
    }
  }
}

/** A snapshot names a writable stream, a revision (bigint >= 0) and the id of the event at it. */
export function assertSnapshots(snapshots: readonly SnapshotToWrite[]): void {
  for (const { streamName, revision, eventId } of snapshots) {
    if (typeof streamName !== 'string' || streamName.length === 0 || streamName.startsWith('$')) {
      throw new EventStoreError(`snapshot of ${String(streamName)}: needs the name of a stream that can be written`);
    }
    if (typeof revision !== 'bigint' || revision < 0n) {
      throw new EventStoreError(`snapshot of ${streamName}: revision must be a bigint >= 0`);
    }
    if (typeof eventId !== 'string' || eventId.length === 0) {
      throw new EventStoreError(`snapshot of ${streamName}: needs the id of the event at its revision`);
    }
  }
}
