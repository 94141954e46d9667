import { appendConformance } from './conformance/appends';
import { checkpointConformance, deletionConformance } from './conformance/deletion-and-checkpoints';
import { expectedRevisionConformance } from './conformance/expected-revisions';
import { readAllConformance } from './conformance/reads';
import { snapshotConformance } from './conformance/snapshots';
import { subscriptionConformance } from './conformance/subscriptions';
import type { ConformanceContext } from './conformance/support';
import { EventStoreError, type EventStore } from './port';

/**
 * The one Jest suite every `EventStore` adapter must pass. Call it at the top level of an `*.int.spec.ts` file (or
 * inside a `describe.skip` when the store is unreachable). A fresh store is made for each test and closed after it;
 * every test uses its own random stream-name prefix and starts reading at the head it found, so the suite can run
 * against a shared server that holds other data.
 */
export function eventStoreConformance(
  name: string,
  makeStore: () => Promise<EventStore>,
  cleanup?: () => Promise<void> | void,
): void {
  describe(`EventStore conformance: ${name}`, () => {
    let current: EventStore | undefined;
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    if (cleanup) afterAll(cleanup);

    const context: ConformanceContext = {
      store: () => {
        if (!current) throw new EventStoreError('the conformance suite has no store outside a test');
        return current;
      },
    };
    appendConformance(context);
    expectedRevisionConformance(context);
    readAllConformance(context);
    subscriptionConformance(context);
    deletionConformance(context);
    checkpointConformance(context);
    snapshotConformance(context);
  });
}
