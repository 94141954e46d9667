import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { keyVaultConformance } from '../conformance';
import { MongoKeyVault } from './mongo-key-vault';

const url = process.env.MONGO_URL ?? '';
// Written to stderr, not console: Jest drops the console output of a file whose tests were all skipped.
const skipped = () => process.stderr.write('skip: MongoDB key vault conformance suite: MONGO_URL not set\n');
const suite = url ? describe : (skipped(), describe.skip);

suite('MongoKeyVault', () => {
  keyVaultConformance('MongoKeyVault', async () => {
    // A database per test: each starts empty, and dropping it leaves the server as it was.
    const dbName = `roster_key_vault_test_${randomUUID().replaceAll('-', '')}`;
    return {
      open: (masterKey) => MongoKeyVault.connect(url, dbName, masterKey),
      dispose: async () => {
        const client = await MongoClient.connect(url);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
});
