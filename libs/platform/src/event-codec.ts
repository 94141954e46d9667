import { randomUUID } from 'node:crypto';
import { PERSONAL_FIELDS } from '@roster/contracts';
import type { EventToAppend, RecordedEvent } from '@roster/eventstore';
import { decodePersonalFields, encodePersonalFields, holdsEncryptedValues, type PiiCodec } from '@roster/privacy';

/** A domain event as code sees it: plain, decoded data. */
export interface DomainEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** A recorded event with its personal fields decrypted (null where the subject was erased). */
export type DecodedEvent<E extends DomainEvent = DomainEvent> = Omit<RecordedEvent, 'data' | 'type'> & E;

/**
 * The event serializer: encrypts the personal fields of each event type (contracts' PERSONAL_FIELDS) with the data
 * subject's key on the way into the store and decrypts them on the way out. The data subject of every event that holds
 * personal data is its `userId`.
 */
export class EventCodec {
  constructor(private readonly pii: PiiCodec) {}

  async encode(event: DomainEvent, metadata: Record<string, unknown> = {}): Promise<EventToAppend> {
    const paths = PERSONAL_FIELDS[event.type];
    const data = paths ? await encodePersonalFields(this.pii, subjectOf(event.data), event.data, paths) : event.data;
    return { id: randomUUID(), type: event.type, data, metadata };
  }

  async decode<E extends DomainEvent = DomainEvent>(recorded: RecordedEvent): Promise<DecodedEvent<E>> {
    const paths = PERSONAL_FIELDS[recorded.type];
    const raw = recorded.data as Record<string, unknown>;
    const data = paths ? await decodePersonalFields(this.pii, subjectOf(raw), raw, paths) : raw;
    return { ...recorded, data } as unknown as DecodedEvent<E>;
  }

  /** The subjects' keys that are not cached are read first, all in one vault read (`PiiCodec.preload`). */
  async decodeAll<E extends DomainEvent = DomainEvent>(events: readonly RecordedEvent[]): Promise<DecodedEvent<E>[]> {
    const subjects = new Set<string>();
    for (const { type, data } of events) {
      const paths = PERSONAL_FIELDS[type];
      if (paths && holdsEncryptedValues(data as Record<string, unknown>, paths)) subjects.add(subjectOf(data as Record<string, unknown>));
    }
    await this.pii.preload(subjects);
    return Promise.all(events.map((e) => this.decode<E>(e)));
  }

  /** Before encoding (or decoding) the events of many subjects: their existing keys in one vault read. */
  preloadKeys(subjectIds: Iterable<string>): Promise<void> {
    return this.pii.preload(subjectIds);
  }
}

function subjectOf(data: Record<string, unknown>): string {
  const userId = data['userId'];
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new Error('an event with personal data must name its data subject (userId)');
  }
  return userId;
}
