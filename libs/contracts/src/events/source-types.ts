import type { SourceName } from '../ids';
import { CATALOG_EVENTS, USER_PROFILE_EVENTS } from './user-profile';

/**
 * Which event types each stream category of a source holds, where a source mixes a large category with a small one:
 * the embedded event bus then reads only the categories that hold a consumer's event types (the segmentation's field
 * definitions read the bots' catalogs, not every user's events). Sources left out are read whole.
 */
export const SOURCE_TYPES_BY_PREFIX: Partial<Record<SourceName, Readonly<Record<string, readonly string[]>>>> = {
  'user-profile': { 'botUser-': Object.values(USER_PROFILE_EVENTS), 'botCatalog-': Object.values(CATALOG_EVENTS) },
};
