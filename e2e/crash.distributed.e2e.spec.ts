import { describeWhen, natsProbeFromSetup, natsUrl } from '@roster/testing';
import { crashSuite, type Victim } from './crash.suite';
import { startDistributed } from './support/deployment';

const victim = (service: 'gateway' | 'ingestion' | 'user-profile' | 'segmentation'): Victim => ({
  name: service,
  crash: async (deployment) => {
    await deployment.kill!(service);
    await deployment.start!(service);
  },
});

describeWhen(natsProbeFromSetup(), 'distributed mode over NATS', () => {
  crashSuite('distributed', () => startDistributed(natsUrl()), [victim('ingestion'), victim('user-profile'), victim('segmentation'), victim('gateway')]);
});
