import { randomUUID } from 'node:crypto';
import {
  EventStoreError,
  ExpectedVersionConflictError,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from '../port';

export interface ConformanceContext {
  /** The store under test (a fresh instance per test). */
  readonly store: () => EventStore;
}

/** Every test works in its own name space so that the suite can run against a shared server. */
export function uniquePrefix(label: string): string {
  return `conf${randomUUID().replaceAll('-', '').slice(0, 12)}-${label}-`;
}

export const EVENT_TYPE = 'conformance.ThingHappened.v1';

export function newEvents(count: number, data: (index: number) => unknown = (index) => ({ index })): EventToAppend[] {
  return Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    type: EVENT_TYPE,
    data: data(index),
    metadata: { correlationId: randomUUID() },
  }));
}

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Collector {
  readonly received: RecordedEvent[];
  readonly batches: RecordedEvent[][];
  readonly handler: (batch: readonly RecordedEvent[]) => Promise<void>;
}

export function collector(): Collector {
  const received: RecordedEvent[] = [];
  const batches: RecordedEvent[][] = [];
  return {
    received,
    batches,
    handler: async (batch) => {
      batches.push([...batch]);
      received.push(...batch);
    },
  };
}

export async function expectConflict(
  attempt: Promise<unknown>,
  streamName: string,
  expected: ExpectedRevision,
  actual: bigint | 'no_stream',
): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ExpectedVersionConflictError);
  expect(error).toBeInstanceOf(EventStoreError);
  const conflict = error as ExpectedVersionConflictError;
  expect({ streamName: conflict.streamName, expected: conflict.expected, actual: conflict.actual }).toEqual({
    streamName,
    expected,
    actual,
  });
}

export function ids(events: readonly { id: string }[]): string[] {
  return events.map((event) => event.id);
}

export function expectStrictlyIncreasing(positions: readonly bigint[]): void {
  for (const position of positions) expect(typeof position).toBe('bigint');
  for (let i = 1; i < positions.length; i++) expect(positions[i]! > positions[i - 1]!).toBe(true);
}
