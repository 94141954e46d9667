import type { CollectionSettings } from './embedded/embedded-collection';
import { EmbeddedReadStore, type EmbeddedSnapshotOptions } from './embedded/embedded-read-store';
import { MongoReadStore } from './mongo/mongo-read-store';
import type { ReadStore } from './port';

export interface ReadStoreConfig {
  /** A MongoDB connection string; without it the store is embedded (in memory). */
  readonly mongoUrl?: string;
  /** Database name for MongoDB. Default: `roster`. */
  readonly mongoDb?: string;
  /**
   * For the embedded store: a snapshot file to load at start and write periodically and at close. Without it the
   * embedded store is rebuilt from the event store at every start.
   */
  readonly snapshot?: EmbeddedSnapshotOptions;
  /** For the embedded store: its collections' settings (the snapshot's own `collectionSettings` wins when given). */
  readonly collectionSettings?: CollectionSettings;
}

export async function createReadStore(config: ReadStoreConfig): Promise<ReadStore> {
  if (config.mongoUrl) return MongoReadStore.connect(config.mongoUrl, config.mongoDb ?? 'roster');
  const { snapshot, collectionSettings } = config;
  if (snapshot) return EmbeddedReadStore.open({ ...snapshot, collectionSettings: snapshot.collectionSettings ?? collectionSettings });
  return new EmbeddedReadStore(collectionSettings);
}
