export * from './port';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export type { SqliteSynchronous } from './sqlite/schema';
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './batch-delivery';
export { createEventStore, type EventStoreConfig } from './create-event-store';
export { eventStoreConformance } from './conformance';
export { newEventId } from './event-id';
