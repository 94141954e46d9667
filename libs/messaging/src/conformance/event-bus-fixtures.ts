import { randomUUID } from 'node:crypto';
import type { EventStore, EventToAppend, RecordedEvent } from '@roster/eventstore';
import type { ConsumerHandle, ConsumerOptions, DeliveredEvent, EventBus } from '../port';

/** A fresh source store and bus per test; `close` removes everything it created (streams, consumers). */
export interface EventBusFixture {
  /** Random per fixture, so that NATS names never collide between tests or runs. */
  readonly source: string;
  readonly store: EventStore;
  readonly bus: EventBus;
  close(): Promise<void>;
}

/** Only streams with this prefix carry integration events; fixtures configure it as the source's stream prefix. */
export const INTEGRATION_PREFIX = 'botUser-';
export const TYPE_A = 'conformance.ThingCreated.v1';
export const TYPE_B = 'conformance.ThingRenamed.v1';
export const TYPE_C = 'conformance.Thing Removed*v2';

export function randomSource(prefix = 'conf'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Appends `count` events round-robin over `streams` integration streams and returns them as the store recorded them. */
export async function appendEvents(
  store: EventStore,
  count: number,
  options: { streams?: number; types?: readonly string[]; chunk?: number; tag?: string } = {},
): Promise<RecordedEvent[]> {
  const { streams = 5, types = [TYPE_A], chunk = 100, tag = randomUUID().slice(0, 6) } = options;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const byStream = new Map<string, EventToAppend[]>();
    for (let i = start; i < start + n; i++) {
      const stream = `${INTEGRATION_PREFIX}${tag}-${i % streams}`;
      const event: EventToAppend = { id: randomUUID(), type: types[i % types.length]!, data: { n: i, text: 'Zoë 👋 日本' }, metadata: { seq: i } };
      byStream.set(stream, [...(byStream.get(stream) ?? []), event]);
    }
    await store.appendMany([...byStream].map(([streamName, events]) => ({ streamName, expected: 'any' as const, events })));
  }
  const all = await store.readAll({ streamPrefixes: [INTEGRATION_PREFIX] });
  return all.slice(-count);
}

/** Events outside the integration prefix: a bus must never deliver them. */
export async function appendPrivateEvents(store: EventStore, count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i): EventToAppend => ({ id: randomUUID(), type: TYPE_A, data: { i } }));
  await store.appendToStream(`private-${randomUUID().slice(0, 6)}`, events);
}

/**
 * A consumer as services write them: a position guard (`applied`) that skips what it has seen, and a record of every
 * delivery, so tests can tell redeliveries from losses.
 */
export class GuardedConsumer {
  readonly deliveries: DeliveredEvent[][] = [];
  readonly appliedEvents: DeliveredEvent[] = [];
  applied: bigint | undefined;
  handle: ConsumerHandle | undefined;
  private failures: ((events: readonly DeliveredEvent[]) => boolean)[] = [];

  constructor(
    private readonly bus: EventBus,
    readonly options: Omit<ConsumerOptions, 'resumeAfter'> & { resumeAfter?: ConsumerOptions['resumeAfter'] },
    initial?: bigint,
  ) {
    this.applied = initial;
  }

  /** The next batch for which `when` holds fails once. */
  failOnce(when: (events: readonly DeliveredEvent[]) => boolean): void {
    this.failures.push(when);
  }

  async start(): Promise<this> {
    this.handle = await this.bus.consume(
      { resumeAfter: async () => this.applied, ...this.options },
      async (events) => {
        this.deliveries.push([...events]);
        const failure = this.failures.find((f) => f(events));
        if (failure) {
          this.failures = this.failures.filter((f) => f !== failure);
          throw new Error('conformance: planned handler failure');
        }
        for (const event of events) {
          if (this.applied !== undefined && event.position <= this.applied) continue;
          this.applied = event.position;
          this.appliedEvents.push(event);
        }
      },
    );
    return this;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    this.handle = undefined;
  }

  get delivered(): DeliveredEvent[] {
    return this.deliveries.flat();
  }
}

export const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);
export const positions = (events: readonly { position: bigint }[]) => events.map((e) => e.position);

export function strictlyIncreasing(values: readonly bigint[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}
