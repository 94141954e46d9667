import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { ReadStoreError, type Collection, type Doc, type ReadStore } from '../port';
import { MongoCollection, type StoredDoc } from './mongo-collection';

/** The durable read store: one MongoDB database, one MongoDB collection per read-store collection. */
export class MongoReadStore implements ReadStore {
  readonly ephemeral = false;
  private readonly collections = new Map<string, MongoCollection<Doc>>();

  constructor(
    private readonly db: Db,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /** Connects (failing fast if the server cannot be reached) and owns the client: `close` closes it. */
  static async connect(url: string, dbName: string, options: MongoClientOptions = {}): Promise<MongoReadStore> {
    const client = new MongoClient(url, { ignoreUndefined: true, ...options });
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new ReadStoreError('cannot connect to MongoDB', { cause: error });
    }
    return new MongoReadStore(client.db(dbName), () => client.close());
  }

  collection<T extends Doc>(name: string): Collection<T> {
    if (typeof name !== 'string' || name === '') throw new ReadStoreError('a collection needs a non-empty name');
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new MongoCollection<Doc>(name, this.db.collection<StoredDoc>(name));
      this.collections.set(name, collection);
    }
    return collection as unknown as Collection<T>;
  }

  async close(): Promise<void> {
    this.collections.clear();
    await this.onClose();
  }
}
