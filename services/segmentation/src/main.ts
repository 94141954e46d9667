import { runService } from '@roster/platform';
import { SegmentationModule } from './segmentation.module';

void runService('segmentation', SegmentationModule);
