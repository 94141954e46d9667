import type { ServiceModules } from '@roster/platform';

/**
 * The six service modules by name, for embedded mode (the same modules each main.ts runs alone): the main thread
 * mounts those the placement (ROSTER_WORKER_SERVICES) leaves to it, each worker thread those it was given. Loaders,
 * so that a thread compiles only its own services' code.
 */
export const EMBEDDED_MODULES: ServiceModules = {
  gateway: async () => (await import('../../gateway/src/gateway.module')).GatewayModule,
  ingestion: async () => (await import('../../ingestion/src/ingestion.module')).IngestionModule,
  'user-profile': async () => (await import('../../user-profile/src/user-profile.module')).UserProfileModule,
  segmentation: async () => (await import('../../segmentation/src/segmentation.module')).SegmentationModule,
  import: async () => (await import('../../import/src/import.module')).ImportModule,
  compliance: async () => (await import('../../compliance/src/compliance.module')).ComplianceModule,
};
