import { describeWhen, probeEnvUrl } from '@roster/testing';
import { eventStoreConformance } from '../conformance';
import { KurrentDbEventStore } from './kurrentdb-event-store';

// Without a server this prints why and skips; wherever KURRENTDB_URL points at one, the SQLite suite runs unchanged.
describeWhen(probeEnvUrl('KURRENTDB_URL'), 'KurrentDbEventStore', () => {
  eventStoreConformance('KurrentDB', async () => new KurrentDbEventStore({ connectionString: process.env.KURRENTDB_URL! }));
});
