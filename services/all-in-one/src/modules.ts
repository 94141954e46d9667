import type { Type } from '@nestjs/common';
import { ComplianceModule } from '../../compliance/src/compliance.module';
import { GatewayModule } from '../../gateway/src/gateway.module';
import { ImportModule } from '../../import/src/import.module';
import { IngestionModule } from '../../ingestion/src/ingestion.module';
import { SegmentationModule } from '../../segmentation/src/segmentation.module';
import { UserProfileModule } from '../../user-profile/src/user-profile.module';

/** The six service modules, mounted in one process for embedded mode (the same modules each main.ts runs alone). */
export const EMBEDDED_MODULES: Type<unknown>[] = [
  GatewayModule,
  IngestionModule,
  UserProfileModule,
  SegmentationModule,
  ImportModule,
  ComplianceModule,
];
