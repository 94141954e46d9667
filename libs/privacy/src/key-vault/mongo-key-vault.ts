import { Binary, MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { MasterKeyMismatchError } from '../errors';
import { KeyShreddedError, type KeyVault } from '../port';
import { newDataKey, sameMasterKeyCheck, unwrapDataKey, vaultSecrets, wrapDataKey } from './key-wrap';
import type { VaultSecrets } from './key-wrap';

/** One document per subject: a live key, or a tombstone (`shreddedAt` set, `wrappedKey` unset). */
interface DataKeyDoc {
  _id: string;
  wrappedKey?: Binary;
  createdAt?: Date;
  shreddedAt?: Date;
}

interface MetaDoc {
  _id: string;
  value: Binary;
}

const DUPLICATE_KEY = 11000;
const MASTER_KEY_CHECK = 'master-key-check';

/**
 * The key vault over MongoDB for distributed mode. Shredding unsets the key field, but MongoDB keeps earlier
 * versions in its oplog and in backups for a while: those hold only wrapped keys, useless without the master key.
 */
export class MongoKeyVault implements KeyVault {
  private readonly keys: Collection<DataKeyDoc>;

  private constructor(
    private readonly client: MongoClient,
    db: Db,
    private readonly secrets: VaultSecrets,
    private readonly now: () => Date,
  ) {
    this.keys = db.collection<DataKeyDoc>('dataKeys');
  }

  static async connect(
    url: string,
    dbName: string,
    masterKey: Uint8Array,
    options: { now?: () => Date } = {},
  ): Promise<MongoKeyVault> {
    const secrets = vaultSecrets(masterKey);
    const client = await MongoClient.connect(url);
    try {
      const db = client.db(dbName);
      await checkMasterKey(db.collection<MetaDoc>('keyVaultMeta'), secrets, dbName);
      return new MongoKeyVault(client, db, secrets, options.now ?? (() => new Date()));
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async getOrCreateKey(subjectId: string): Promise<Uint8Array> {
    const doc = (await this.keys.findOne({ _id: subjectId })) ?? (await this.insertKeyIfAbsent(subjectId));
    if (doc.shreddedAt || !doc.wrappedKey) throw new KeyShreddedError(subjectId);
    return unwrapDataKey(this.secrets.wrappingKey, subjectId, doc.wrappedKey.value());
  }

  async getKey(subjectId: string): Promise<Uint8Array | undefined> {
    const doc = await this.keys.findOne({ _id: subjectId });
    return doc?.wrappedKey && unwrapDataKey(this.secrets.wrappingKey, subjectId, doc.wrappedKey.value());
  }

  /** One query for all (`$in` on `_id`); tombstones and absent subjects give undefined. */
  async getKeys(subjectIds: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (subjectIds.length === 0) return [];
    const docs = await this.keys.find({ _id: { $in: [...new Set(subjectIds)] } }).toArray();
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    return subjectIds.map((id) => {
      const wrapped = byId.get(id)?.wrappedKey;
      return wrapped && unwrapDataKey(this.secrets.wrappingKey, id, wrapped.value());
    });
  }

  async shred(subjectId: string): Promise<void> {
    // $min keeps the first erasure time when shred is repeated, and sets it on a missing field or a new tombstone.
    await this.keys.updateOne(
      { _id: subjectId },
      { $unset: { wrappedKey: '', createdAt: '' }, $min: { shreddedAt: this.now() } },
      { upsert: true },
    );
  }

  async isShredded(subjectId: string): Promise<boolean> {
    return (await this.keys.countDocuments({ _id: subjectId, shreddedAt: { $exists: true } }, { limit: 1 })) > 0;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Concurrent callers race on the upsert; `$setOnInsert` makes every one of them read the winner's key. */
  private async insertKeyIfAbsent(subjectId: string): Promise<DataKeyDoc> {
    const wrappedKey = new Binary(wrapDataKey(this.secrets.wrappingKey, subjectId, newDataKey()));
    try {
      const doc = await this.keys.findOneAndUpdate(
        { _id: subjectId },
        { $setOnInsert: { wrappedKey, createdAt: this.now() } },
        { upsert: true, returnDocument: 'after' },
      );
      if (doc) return doc;
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    const winner = await this.keys.findOne({ _id: subjectId });
    if (!winner) throw new Error(`data key of a subject vanished while it was being created`);
    return winner;
  }
}

async function checkMasterKey(meta: Collection<MetaDoc>, secrets: VaultSecrets, dbName: string): Promise<void> {
  const check = new Binary(secrets.masterKeyCheck);
  try {
    await meta.updateOne({ _id: MASTER_KEY_CHECK }, { $setOnInsert: { value: check } }, { upsert: true });
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
  }
  const stored = await meta.findOne({ _id: MASTER_KEY_CHECK });
  if (!stored || !sameMasterKeyCheck(stored.value.value(), secrets.masterKeyCheck)) {
    throw new MasterKeyMismatchError(`mongodb database "${dbName}"`);
  }
}
