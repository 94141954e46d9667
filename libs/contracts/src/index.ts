export * from './ids';
export * from './ingestion/normalized-event';
export * from './events/user-profile';
export * from './events/gateway';
export * from './events/ingestion';
export * from './events/personal-fields';
export * from './rpc/subjects';
export * from './rpc/messages';
