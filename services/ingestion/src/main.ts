import { runService } from '@roster/platform';
import { IngestionModule } from './ingestion.module';

void runService('ingestion', IngestionModule);
