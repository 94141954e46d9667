import { describeWhen, natsProbeFromSetup, natsUrl } from '@roster/testing';
import { startDistributed } from './support/deployment';
import { webhooksSuite } from './webhooks.suite';

describeWhen(natsProbeFromSetup(), 'channel webhooks over NATS', () => {
  webhooksSuite('distributed', () => startDistributed(natsUrl()));
});
