import { Inject, Injectable } from '@nestjs/common';
import { streams, type CatalogEvent, type FieldDefinition, type FieldType, type TagDefinition } from '@roster/contracts';
import { AggregateCache, handleCommand, INFRA, loadAggregate, StreamLocks, type Infra } from '@roster/platform';
import { botCatalogDecider, type BotCatalogState } from './domain/bot-catalog';

/** A bot's tag catalog and custom field definitions (stream `botCatalog-<botId>`). */
@Injectable()
export class CatalogService {
  private readonly cache = new AggregateCache<BotCatalogState>(10_000);
  private readonly locks = new StreamLocks();

  constructor(@Inject(INFRA) private readonly infra: Infra) {}

  async defineTag(botId: string, name: string, now = new Date()): Promise<TagDefinition> {
    const outcome = await this.command(botId, { type: 'DefineTag', data: { botId, name, ifMissing: false }, metadata: { now: now.toISOString() } });
    return outcome.state.tags[name.trim().toLowerCase()]!;
  }

  /** The canonical name of a tag, defining it on first use ("created on first use"). */
  async ensureTag(botId: string, name: string, now = new Date()): Promise<string> {
    const key = name.trim().toLowerCase();
    const known = (await this.state(botId, (s) => key in s.tags)).tags[key];
    if (known) return known.name;
    const outcome = await this.command(botId, { type: 'DefineTag', data: { botId, name, ifMissing: true }, metadata: { now: now.toISOString() } });
    return outcome.state.tags[name.trim().toLowerCase()]!.name;
  }

  async defineField(botId: string, key: string, label: string | null, type: FieldType, now = new Date()): Promise<FieldDefinition> {
    const outcome = await this.command(botId, { type: 'DefineField', data: { botId, key, label, type }, metadata: { now: now.toISOString() } });
    return outcome.state.fields[key]!;
  }

  async field(botId: string, key: string): Promise<FieldDefinition | undefined> {
    return (await this.state(botId, (s) => key in s.fields)).fields[key];
  }

  async listTags(botId: string): Promise<TagDefinition[]> {
    return Object.values((await this.state(botId)).tags).sort((a, b) => a.name.localeCompare(b.name));
  }

  async listFields(botId: string): Promise<FieldDefinition[]> {
    return Object.values((await this.state(botId)).fields).sort((a, b) => a.key.localeCompare(b.key));
  }

  /**
   * Definitions are never changed or removed, so a cached state that already `has` what is asked for is right; a
   * miss (or a list) reads the store, because another instance may have defined it a moment ago.
   */
  private async state(botId: string, has?: (state: BotCatalogState) => boolean): Promise<BotCatalogState> {
    const stream = streams.botCatalog(botId);
    const cached = this.cache.get(stream);
    if (cached && has?.(cached.state)) return cached.state;
    const loaded = await loadAggregate(this.infra.eventStore, this.infra.codec, botCatalogDecider, stream);
    this.cache.set(stream, loaded.state, loaded.version);
    return loaded.state;
  }

  private command(botId: string, command: Parameters<typeof botCatalogDecider.decide>[0]) {
    return handleCommand<typeof command, CatalogEvent, BotCatalogState>(
      this.infra.eventStore,
      this.infra.codec,
      botCatalogDecider,
      streams.botCatalog(botId),
      command,
      { cache: this.cache, locks: this.locks },
    );
  }
}
