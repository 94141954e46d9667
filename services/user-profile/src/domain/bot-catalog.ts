import { CATALOG_EVENTS as C, type CatalogEvent, type FieldType } from '@roster/contracts';
import { FieldExistsError, TagExistsError } from './errors';

/** A bot's catalog: tag names (unique case-insensitively) and custom field definitions (unique keys). */
export interface BotCatalogState {
  /** lower-cased name → canonical name and creation time */
  readonly tags: Readonly<Record<string, { readonly name: string; readonly createdAt: string }>>;
  readonly fields: Readonly<Record<string, { readonly key: string; readonly label: string | null; readonly type: FieldType; readonly createdAt: string }>>;
}

type Meta = { readonly now: string };
export type BotCatalogCommand =
  /** `ifMissing`: used when a tag is first used on a user — an existing tag (any casing) is then fine. */
  | { readonly type: 'DefineTag'; readonly data: { readonly botId: string; readonly name: string; readonly ifMissing: boolean }; readonly metadata: Meta }
  | {
      readonly type: 'DefineField';
      readonly data: { readonly botId: string; readonly key: string; readonly label: string | null; readonly type: FieldType };
      readonly metadata: Meta;
    };

export const initialCatalog = (): BotCatalogState => ({ tags: {}, fields: {} });

export function decideCatalog(command: BotCatalogCommand, state: BotCatalogState): CatalogEvent[] {
  switch (command.type) {
    case 'DefineTag': {
      const name = command.data.name.trim();
      const existing = state.tags[name.toLowerCase()];
      if (existing) {
        if (command.data.ifMissing) return [];
        throw new TagExistsError(existing.name);
      }
      return [{ type: C.tagDefined, data: { botId: command.data.botId, name, createdAt: command.metadata.now } }];
    }
    case 'DefineField': {
      if (state.fields[command.data.key]) throw new FieldExistsError();
      return [{ type: C.fieldDefined, data: { ...command.data, createdAt: command.metadata.now } }];
    }
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
}

export function evolveCatalog(state: BotCatalogState, event: CatalogEvent): BotCatalogState {
  switch (event.type) {
    case C.tagDefined:
      return { ...state, tags: { ...state.tags, [event.data.name.toLowerCase()]: { name: event.data.name, createdAt: event.data.createdAt } } };
    case C.fieldDefined: {
      const { key, label, type, createdAt } = event.data;
      return { ...state, fields: { ...state.fields, [key]: { key, label, type, createdAt } } };
    }
    default:
      return state;
  }
}

export const botCatalogDecider = { decide: decideCatalog, evolve: evolveCatalog, initialState: initialCatalog };
