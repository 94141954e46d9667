import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { readStoreConformance } from '../conformance';
import { MongoReadStore } from './mongo-read-store';

const url = process.env.MONGO_URL;
/** A database of its own per run, dropped afterwards, so runs on a shared server never meet. */
const dbName = `roster_readstore_test_${randomUUID().slice(0, 8)}`;

readStoreConformance('MongoReadStore', () => MongoReadStore.connect(url!, dbName, { serverSelectionTimeoutMS: 5000 }), {
  skipReason: url ? undefined : 'MONGO_URL not set',
});

if (url) {
  afterAll(async () => {
    const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  });
}
