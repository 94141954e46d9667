import { runService } from '@roster/platform';
import { ImportModule } from './import.module';

void runService('import', ImportModule);
