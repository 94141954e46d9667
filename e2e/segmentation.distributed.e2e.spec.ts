import { describeWhen, natsProbeFromSetup, natsUrl } from '@roster/testing';
import { segmentationSuite } from './segmentation.suite';
import { startDistributed } from './support/deployment';

describeWhen(natsProbeFromSetup(), 'distributed mode over NATS', () => {
  segmentationSuite('distributed', () => startDistributed(natsUrl()));
});
