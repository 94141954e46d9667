import type { ServiceModules } from '@roster/platform';
import { ComplianceModule } from '../../compliance/src/compliance.module';
import { GatewayModule } from '../../gateway/src/gateway.module';
import { ImportModule } from '../../import/src/import.module';
import { IngestionModule } from '../../ingestion/src/ingestion.module';
import { SegmentationModule } from '../../segmentation/src/segmentation.module';
import { UserProfileModule } from '../../user-profile/src/user-profile.module';

/**
 * The six service modules by name, for embedded mode (the same modules each main.ts runs alone): the main thread
 * mounts those the placement (ROSTER_WORKER_SERVICES) leaves to it, each worker thread those it was given.
 */
export const EMBEDDED_MODULES: ServiceModules = {
  gateway: GatewayModule,
  ingestion: IngestionModule,
  'user-profile': UserProfileModule,
  segmentation: SegmentationModule,
  import: ImportModule,
  compliance: ComplianceModule,
};
