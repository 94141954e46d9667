import { EmbeddedReadStore } from './embedded/embedded-read-store';
import { MongoReadStore } from './mongo/mongo-read-store';
import type { ReadStore } from './port';

export interface ReadStoreConfig {
  /** A MongoDB connection string; without it the store is embedded (in memory, rebuilt at start). */
  readonly mongoUrl?: string;
  /** Database name for MongoDB. Default: `roster`. */
  readonly mongoDb?: string;
}

export async function createReadStore(config: ReadStoreConfig): Promise<ReadStore> {
  if (config.mongoUrl) return MongoReadStore.connect(config.mongoUrl, config.mongoDb ?? 'roster');
  return new EmbeddedReadStore();
}
