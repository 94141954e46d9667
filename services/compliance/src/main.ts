import { runService } from '@roster/platform';
import { ComplianceModule } from './compliance.module';

void runService('compliance', ComplianceModule);
