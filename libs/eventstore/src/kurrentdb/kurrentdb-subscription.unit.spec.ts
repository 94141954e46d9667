import { PassThrough } from 'node:stream';
import type { AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, Subscription } from '../port';
import { waitUntil } from '../conformance/support';
import { toRecordedEvent } from './kurrentdb-mapping';
import { KurrentDbSubscription, type LiveSource, type LiveStream } from './kurrentdb-subscription';

// The server side is replaced by object-mode streams: what is tested is the batching, retrying and reopening.
const raw = (commit: bigint): AllStreamResolvedEvent =>
  ({
    event: {
      streamId: 'botUser-1',
      id: `event-${commit}`,
      isJson: true,
      revision: commit,
      type: 'user-profile.TagAdded.v1',
      created: new Date('2026-11-25T10:00:00.000Z'),
      data: {},
      metadata: undefined,
      position: { commit, prepare: commit },
    },
  }) as AllStreamResolvedEvent;

type FakeStream = PassThrough & { unsubscribed: boolean };

function fakeServer() {
  const opened: { after: bigint | undefined; stream: FakeStream }[] = [];
  const source: LiveSource = {
    open: (after) => {
      const stream = Object.assign(new PassThrough({ objectMode: true }), { unsubscribed: false }) as FakeStream;
      (stream as unknown as LiveStream).unsubscribe = async () => {
        stream.unsubscribed = true;
      };
      opened.push({ after, stream });
      return stream as unknown as LiveStream;
    },
    select: async (events, after) =>
      events.map(toRecordedEvent).filter((event) => after === undefined || event.position > after),
  };
  return { opened, source, latest: () => opened[opened.length - 1]!.stream };
}

const retry = { initialDelayMs: 5, maxDelayMs: 20 };
const positions = (events: readonly RecordedEvent[]) => events.map((event) => event.position);

describe('KurrentDbSubscription', () => {
  const running: Subscription[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((subscription) => subscription.stop()));
  });
  const start = (source: LiveSource, handler: (batch: readonly RecordedEvent[]) => Promise<void>, options = {}) => {
    const subscription = new KurrentDbSubscription(source, handler, options, retry, () => undefined);
    running.push(subscription);
    return subscription;
  };

  it('hands over what has arrived in batches of at most batchSize', async () => {
    const server = fakeServer();
    const batches: bigint[][] = [];
    start(server.source, async (batch) => void batches.push(positions(batch)), { batchSize: 2 });
    await waitUntil(() => server.opened.length === 1, 'the stream to open');
    for (const commit of [1n, 2n, 3n, 4n, 5n]) server.latest().write(raw(commit));

    await waitUntil(() => batches.flat().length === 5, 'five events');
    expect(batches.flat()).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(2);
  });

  it('reopens from the last delivered position after the server stream fails, and reports the failure', async () => {
    const server = fakeServer();
    const delivered: bigint[] = [];
    const errors: unknown[] = [];
    const subscription = start(server.source, async (batch) => void delivered.push(...positions(batch)), {
      after: 10n,
      onError: (error: unknown) => errors.push(error),
    });
    await waitUntil(() => server.opened.length === 1, 'the stream to open');
    server.latest().write(raw(11n));
    server.latest().write(raw(12n));
    await waitUntil(() => delivered.length === 2, 'the first events');

    const lost = new Error('connection lost');
    server.latest().destroy(lost);
    await waitUntil(() => server.opened.length === 2, 'the stream to reopen');
    // The server may replay from the resume position inclusively; nothing is delivered twice.
    server.latest().write(raw(12n));
    server.latest().write(raw(13n));
    await waitUntil(() => delivered.length === 3, 'the event after the failure');

    expect(server.opened.map((open) => open.after)).toEqual([10n, 12n]);
    expect(server.opened[0]!.stream.unsubscribed).toBe(true);
    expect(delivered).toEqual([11n, 12n, 13n]);
    expect(errors).toEqual([lost]);
    expect(subscription.position).toBe(13n);
  });

  it('treats a stream that ends on its own as a failure and reopens it', async () => {
    const server = fakeServer();
    const errors: unknown[] = [];
    start(server.source, async () => undefined, { onError: (error: unknown) => errors.push(error) });
    await waitUntil(() => server.opened.length === 1, 'the stream to open');

    server.latest().end();

    await waitUntil(() => server.opened.length === 2, 'the stream to reopen');
    expect(errors).toHaveLength(1);
  });

  it('retries a failed batch as it was, and stop() waits for the batch in flight and closes the stream', async () => {
    const server = fakeServer();
    const attempts: bigint[][] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const subscription = start(server.source, async (batch) => {
      attempts.push(positions(batch));
      if (attempts.length === 1) throw new Error('handler failed');
      await released;
    });
    await waitUntil(() => server.opened.length === 1, 'the stream to open');
    server.latest().write(raw(1n));
    server.latest().write(raw(2n));
    await waitUntil(() => attempts.length === 2, 'the retry');

    let stopped = false;
    const stopping = subscription.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(attempts[1]).toEqual(attempts[0]);
    expect(subscription.position).toBe(attempts[0]![attempts[0]!.length - 1]);
    expect(server.latest().unsubscribed).toBe(true);
    expect(server.opened).toHaveLength(1);
  });
});
