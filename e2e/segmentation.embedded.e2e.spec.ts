import { segmentationSuite } from './segmentation.suite';
import { startEmbedded } from './support/deployment';

segmentationSuite('embedded', startEmbedded);
