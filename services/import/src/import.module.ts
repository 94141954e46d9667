import { Module } from '@nestjs/common';
import { healthController, metricsController } from '@roster/platform';

/**
 * The import service. It starts, answers its health subject and takes part in readiness; its features
 * (see docs/architecture.md) arrive with their issues.
 */
@Module({ controllers: [healthController('import'), metricsController('import')] })
export class ImportModule {}
