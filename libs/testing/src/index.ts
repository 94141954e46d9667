export * from './decider-spec';
export * from './probes';
export * from './wait-for';
