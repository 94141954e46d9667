import { describeWhen, natsProbeFromSetup, natsUrl } from '@roster/testing';
import { userRecordSuite } from './user-record.suite';
import { startDistributed } from './support/deployment';

describeWhen(natsProbeFromSetup(), 'distributed mode over NATS', () => {
  userRecordSuite('distributed', () => startDistributed(natsUrl()));
});
