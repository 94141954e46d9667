import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CATALOG_EVENTS, type FieldType } from '@roster/contracts';
import type { ConsumerHandle, DeliveredEvent } from '@roster/messaging';
import { INFRA, type Infra } from '@roster/platform';
import type { Collection, IndexSpec } from '@roster/readstore';
import { USERS_COLLECTION } from './user-list.projection';

export interface FieldDefinitionDoc {
  [key: string]: string;
  id: string;
  botId: string;
  key: string;
  type: FieldType;
}

const CONSUMER = 'segmentation-field-definitions';
/** How long a bot's field types are reused without asking the read store. */
const TYPES_CACHE_MS = 5_000;

/**
 * The custom field definitions of every bot (from user-profile's catalog events): the filter language picks a
 * field's operators by its declared type. Each new field also gets its index on the user list.
 */
@Injectable()
export class FieldDefinitionsProjection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly definitions: Collection<FieldDefinitionDoc>;
  private readonly checkpoints: Collection<{ id: string; position: string }>;
  private handle?: ConsumerHandle;
  private readonly typesCache = new Map<string, { types: Promise<Readonly<Record<string, FieldType>>>; until: number }>();

  constructor(@Inject(INFRA) private readonly infra: Infra) {
    this.definitions = infra.readStore.collection<FieldDefinitionDoc>('fieldDefinitions');
    this.checkpoints = infra.readStore.collection('checkpoints');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.definitions.ensureIndexes([{ name: 'bot', fields: [['botId', 1]] }]);
    await this.indexKnownFields();
    this.handle = await this.infra.eventBus.consume(
      { name: CONSUMER, sources: ['user-profile'], eventTypes: [CATALOG_EVENTS.fieldDefined], resumeAfter: () => this.checkpoints.positionOf(CONSUMER) },
      (events) => this.apply(events),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }

  /**
   * Field types by key for one bot (every search and count asks). Cached per bot: `apply` drops a bot's entry when
   * one of its fields is defined here; the time limit bounds how stale another process's definitions can look when
   * the read store is shared (MongoDB).
   */
  async typesOf(botId: string): Promise<Readonly<Record<string, FieldType>>> {
    const cached = this.typesCache.get(botId);
    if (cached && cached.until > Date.now()) return cached.types;
    const types = this.definitions
      .find({ filter: { field: 'botId', op: 'eq', value: botId }, limit: 10_000 })
      .then((page) => Object.freeze(Object.fromEntries(page.items.map((d) => [d.key, d.type]))));
    this.typesCache.set(botId, { types, until: Date.now() + TYPES_CACHE_MS });
    types.catch(() => this.typesCache.delete(botId));
    return types;
  }

  /**
   * The user list's index for every field already defined: a read store restored from a snapshot (or a MongoDB one)
   * holds the definitions but not necessarily their indexes, and `apply` only indexes definitions it has not seen.
   */
  private async indexKnownFields(): Promise<void> {
    const keys = new Map<string, IndexSpec>();
    let cursor: string | undefined;
    do {
      const page = await this.definitions.find({ limit: 10_000, ...(cursor ? { cursor } : {}) });
      for (const definition of page.items) {
        const index = fieldIndex(definition.key, definition.type);
        keys.set(index.name, index);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const users = this.infra.readStore.collection(USERS_COLLECTION);
    await users.ensureIndexes([...keys.values()]);
  }

  async apply(events: readonly DeliveredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const users = this.infra.readStore.collection(USERS_COLLECTION);
    for (const event of events) {
      if (event.type !== CATALOG_EVENTS.fieldDefined) continue;
      const { botId, key, type } = event.data as { botId: string; key: string; type: FieldType };
      if (await this.definitions.upsert({ id: `${botId}:${key}`, botId, key, type }, event.position)) {
        this.typesCache.delete(botId);
        await users.ensureIndexes([fieldIndex(key, type)]);
      }
    }
    const last = events[events.length - 1]!.position;
    await this.checkpoints.upsert({ id: CONSUMER, position: last.toString() }, last);
  }
}

/**
 * The index a field's filters use: text fields are matched on their lower-cased copy (`search.text.<key>`), the
 * others on the value itself.
 */
export const fieldIndex = (key: string, type: FieldType): IndexSpec =>
  type === 'text'
    ? { name: `bot_text_${key}`, fields: [['botId', 1], [`search.text.${key}`, 1]] }
    : { name: `bot_field_${key}`, fields: [['botId', 1], [`fields.${key}`, 1]] };
