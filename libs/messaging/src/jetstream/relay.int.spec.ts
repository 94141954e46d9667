import { EVENT_SUBJECT_ROOT } from '../subjects';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SqliteEventStore } from '@roster/eventstore';
import { describeWhen, natsProbeFromSetup, natsUrl, waitFor } from '@roster/testing';
import { INTEGRATION_PREFIX, TYPE_A, TYPE_C, appendEvents, randomSource } from '../conformance/event-bus-fixtures';
import { batchSubject, streamNameFor } from '../subjects';
import { EVENT_COUNT_HEADER, EVENT_TYPE_HEADER, FIRST_POSITION_HEADER, POSITION_HEADER, decodeMessage } from '../wire';
import { ensureEventStream } from './event-stream';
import { JetStreamRelay } from './relay';

describeWhen(natsProbeFromSetup(), 'JetStreamRelay', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: SqliteEventStore;
  let source: string;
  let stream: string;
  const relays: JetStreamRelay[] = [];
  const start = async (
    options: { batchSize?: number; maxEventsPerMessage?: number; maxMessageBytes?: number; store?: SqliteEventStore } = {},
  ) => {
    const relay = await JetStreamRelay.start({ nc, store, source, streamPrefixes: [INTEGRATION_PREFIX], onError: () => undefined, ...options });
    relays.push(relay);
    return relay;
  };
  const storedMessages = async () => {
    const { state } = await jsm.streams.info(stream);
    const messages = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      messages.push((await jsm.streams.getMessage(stream, { seq }))!);
    }
    return messages;
  };
  /** The positions of every event stored, message after message. */
  const storedPositions = async () => (await storedMessages()).flatMap((m) => decodeMessage(m.string(), source).map((e) => e.position));

  beforeEach(async () => {
    nc = await connect({ servers: natsUrl() });
    jsm = await jetstreamManager(nc);
    store = new SqliteEventStore({ filename: ':memory:' });
    source = randomSource('relay');
    stream = streamNameFor(source);
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
    await store.close();
  });

  it('creates the source stream: file storage, limits retention, no max age, a duplicate window of 2 minutes or more', async () => {
    await start();
    const { config } = await jsm.streams.info(stream);
    expect(config).toMatchObject({ subjects: [`${EVENT_SUBJECT_ROOT}.${source}.>`], storage: 'file', retention: 'limits', max_age: 0 });
    expect(config.duplicate_window).toBeGreaterThanOrEqual(120_000_000_000);
  });

  it('widens the duplicate window of an existing stream and creates it once when relay and consumer race', async () => {
    await jsm.streams.add({ name: stream, subjects: [`${EVENT_SUBJECT_ROOT}.${source}.>`], duplicate_window: 10_000_000_000 });
    await start();
    expect((await jsm.streams.info(stream)).config.duplicate_window).toBe(120_000_000_000);
    await jsm.streams.delete(stream);
    await Promise.all([ensureEventStream(jsm, source), ensureEventStream(jsm, source), ensureEventStream(jsm, source)]);
    expect((await jsm.streams.info(stream)).config.subjects).toEqual([`${EVENT_SUBJECT_ROOT}.${source}.>`]);
  });

  it('publishes runs of events as messages on the batch subject, with positions, count, and ids as Nats-Msg-Id', async () => {
    const events = await appendEvents(store, 5, { types: [TYPE_A, TYPE_C] });
    const relay = await start({ maxEventsPerMessage: 2 });
    await waitFor(() => relay.position === events[4]!.position);
    const messages = await storedMessages();
    const runs = [events.slice(0, 2), events.slice(2, 4), events.slice(4)];
    expect(messages.map((m) => m.subject)).toEqual(runs.map(() => batchSubject(source)));
    expect(messages.map((m) => m.header.get('Nats-Msg-Id'))).toEqual([`${events[0]!.id}..${events[1]!.id}`, `${events[2]!.id}..${events[3]!.id}`, events[4]!.id]);
    expect(messages.map((m) => m.header.get(POSITION_HEADER))).toEqual(runs.map((run) => run[run.length - 1]!.position.toString()));
    expect(messages.map((m) => m.header.get(FIRST_POSITION_HEADER))).toEqual(runs.map((run) => run[0]!.position.toString()));
    expect(messages.map((m) => m.header.get(EVENT_COUNT_HEADER))).toEqual(['2', '2', '1']);
    expect(messages.map((m) => m.header.get(EVENT_TYPE_HEADER))).toEqual(['', '', events[4]!.type]);
    expect(messages[0]!.json()).toEqual([
      expect.objectContaining({ id: events[0]!.id, type: events[0]!.type, position: events[0]!.position.toString(), revision: '0' }),
      expect.objectContaining({ id: events[1]!.id, position: events[1]!.position.toString() }),
    ]);
  });

  it('cuts messages by size as well as by count', async () => {
    const events = await appendEvents(store, 40);
    const relay = await start({ maxMessageBytes: 2_000 });
    await waitFor(() => relay.position === events[39]!.position);
    const messages = await storedMessages();
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(message.data.length).toBeLessThanOrEqual(2_000);
    expect(await storedPositions()).toEqual(events.map((e) => e.position));
  });

  it('resumes after the last message of the stream when restarted', async () => {
    const first = await appendEvents(store, 300);
    const relay = await start({ batchSize: 64 });
    await waitFor(() => relay.position === first[299]!.position);
    await relay.stop();
    const second = await appendEvents(store, 200);
    const again = await start({ batchSize: 64 });
    await waitFor(() => again.position === second[199]!.position);
    expect(await storedPositions()).toEqual([...first, ...second].map((e) => e.position));
  });

  it('stores each event once, in order, when two relays run over the same store', async () => {
    const writing = appendEvents(store, 1000, { chunk: 50 });
    const [a, b] = await Promise.all([start({ batchSize: 100 }), start({ batchSize: 37 })]);
    const events = await writing;
    const last = events[events.length - 1]!.position;
    await waitFor(() => a.position === last && b.position === last, { timeoutMs: 20_000 });
    expect(await storedPositions()).toEqual(events.map((e) => e.position));
  });

  it('never stores a message behind a rejected one of the same round (no gap when a racing relay cut the runs otherwise)', async () => {
    // Two processes over one database: the store's in-process signal wakes only its own relay, the other one finds
    // the appends by polling, so that which relay sees which events is up to the test.
    const file = join(tmpdir(), `relay-${randomUUID()}.db`);
    const mine = new SqliteEventStore({ filename: file, pollIntervalMs: 60_000 });
    const theirs = new SqliteEventStore({ filename: file, pollIntervalMs: 60_000 });
    try {
      const first = await appendEvents(mine, 50);
      const slow = await start({ store: mine, maxEventsPerMessage: 50 });
      await waitFor(() => slow.position === first[49]!.position);
      // A racing relay stores the next 25 events as one message...
      const fast = await start({ store: theirs, maxEventsPerMessage: 25 });
      const raced = await appendEvents(theirs, 25);
      await waitFor(() => fast.position === raced[24]!.position);
      await fast.stop();
      // ...while the slow relay, still at the first message, finds 100 events and sends them as two pipelined
      // messages: the first is rejected (the stream moved on), the second must not be stored in its place.
      const rest = await appendEvents(theirs, 75);
      mine.notifyAppended();
      const events = [...first, ...raced, ...rest];
      await waitFor(() => slow.position === events[events.length - 1]!.position, { timeoutMs: 20_000 });
      expect(await storedPositions()).toEqual(events.map((e) => e.position));
    } finally {
      await Promise.all(relays.splice(0).map((r) => r.stop()));
      await mine.close();
      await theirs.close();
      rmSync(file, { force: true });
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
    }
  });

  it('never stores an event behind one the stream rejected (no gap after a crash)', async () => {
    const before = await appendEvents(store, 3);
    await store.appendToStream(`${INTEGRATION_PREFIX}${randomUUID().slice(0, 6)}`, [
      { id: randomUUID(), type: TYPE_A, data: { blob: 'x'.repeat(2 * 1024 * 1024) } },
    ]);
    await appendEvents(store, 3);
    const errors: unknown[] = [];
    const relay = await JetStreamRelay.start({ nc, store, source, streamPrefixes: [INTEGRATION_PREFIX], onError: (e) => errors.push(e) });
    relays.push(relay);
    await waitFor(() => errors.length >= 2);
    expect(await storedPositions()).toEqual(before.map((e) => e.position));
    expect(relay.position).toBe(before[2]!.position);
  });
});
