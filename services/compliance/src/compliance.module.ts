import { Module } from '@nestjs/common';
import { healthController } from '@roster/platform';

/**
 * The compliance service. It starts, answers its health subject and takes part in readiness; its features
 * (see docs/architecture.md) arrive with their issues.
 */
@Module({ controllers: [healthController('compliance')] })
export class ComplianceModule {}
