import { MessageChannel, Worker } from 'node:worker_threads';
import type { WritePacket } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { waitFor } from '@roster/testing';
import { InProcessBroker } from './broker';
import { BrokerBridge } from './broker-bridge';

const open: BrokerBridge[] = [];

function bridged(): { left: InProcessBroker; right: InProcessBroker; leftBridge: BrokerBridge; rightBridge: BrokerBridge } {
  const { port1, port2 } = new MessageChannel();
  const left = new InProcessBroker();
  const right = new InProcessBroker();
  const leftBridge = new BrokerBridge(left, port1);
  const rightBridge = new BrokerBridge(right, port2);
  open.push(leftBridge, rightBridge);
  return { left, right, leftBridge, rightBridge };
}

function ask(broker: InProcessBroker, subject: string, data: unknown): Promise<WritePacket> {
  return new Promise((resolve) => broker.request(subject, { pattern: subject, data }, resolve));
}

function echo(broker: InProcessBroker, subject: string, tag: string): void {
  broker.addResponder(subject, (packet, reply) => reply({ response: { from: tag, data: packet.data }, isDisposed: true }));
}

afterEach(() => {
  for (const bridge of open.splice(0)) bridge.close();
});

describe('BrokerBridge', () => {
  it('forwards requests both ways and brings the replies back', async () => {
    const { left, right, leftBridge, rightBridge } = bridged();
    echo(left, 'left.echo', 'left');
    echo(right, 'right.echo', 'right');
    await waitFor(() => leftBridge.remoteSubjects.includes('right.echo') && rightBridge.remoteSubjects.includes('left.echo'));

    expect((await ask(left, 'right.echo', { n: 1 })).response).toEqual({ from: 'right', data: { n: 1 } });
    expect((await ask(right, 'left.echo', { n: 2 })).response).toEqual({ from: 'left', data: { n: 2 } });
  });

  it('announces subjects added and removed after the bridge was built', async () => {
    const bridge = bridged();
    expect(bridge.leftBridge.remoteSubjects).toEqual([]);
    const remove = bridge.right.addResponder('later', (_p, reply) => reply({ response: 1, isDisposed: true }));
    await waitFor(() => bridge.leftBridge.remoteSubjects.includes('later'));
    remove();
    await waitFor(() => !bridge.leftBridge.remoteSubjects.includes('later'));
    expect(bridge.left.hasResponder('later')).toBe(false);
  });

  it('answers a subject nobody serves on either side with the no-responders error at once', async () => {
    const { left, right, leftBridge } = bridged();
    echo(right, 'right.echo', 'right');
    await waitFor(() => leftBridge.remoteSubjects.includes('right.echo'));
    const reply = await ask(left, 'nobody.here', {});
    expect(reply.err).toBeInstanceOf(EmptyResponseException);
  });

  it('passes a handler error across as a single thread would give it', async () => {
    const { left, right, leftBridge } = bridged();
    const alone = new InProcessBroker();
    for (const broker of [right, alone]) {
      broker.addResponder('fails', (_p, reply) => reply({ err: new Error('boom'), isDisposed: true }));
      broker.addResponder('fails.plain', (_p, reply) => reply({ err: { status: 'error', message: 'Internal server error' }, isDisposed: true }));
    }
    await waitFor(() => leftBridge.remoteSubjects.length === 2);

    expect((await ask(left, 'fails', {})).err).toEqual((await ask(alone, 'fails', {})).err);
    expect((await ask(left, 'fails.plain', {})).err).toEqual({ status: 'error', message: 'Internal server error' });
  });

  it('gives a reply from another thread exactly as a single thread gives it: what JSON leaves of it', async () => {
    const { left, right, leftBridge } = bridged();
    const alone = new InProcessBroker();
    const odd = () => ({ at: new Date(Date.UTC(2026, 0, 2)), gone: undefined, nan: Number.NaN, list: [undefined, -0, 'é'], nested: { toJSON: () => 'as text' } });
    for (const broker of [right, alone]) {
      broker.addResponder('odd', (_p, reply) => reply({ response: odd(), isDisposed: true }));
      broker.addResponder('huge', (_p, reply) => reply({ response: { n: 1n }, isDisposed: true }));
      broker.addResponder('empty', (_p, reply) => reply({ isDisposed: true }));
    }
    await waitFor(() => leftBridge.remoteSubjects.length === 3);

    const crossed = await ask(left, 'odd', {});
    expect(crossed).toEqual(await ask(alone, 'odd', {}));
    expect(crossed.response).toEqual({ at: '2026-01-02T00:00:00.000Z', nan: null, list: [null, 0, 'é'], nested: 'as text' });
    expect(crossed.response).not.toHaveProperty('gone');
    expect(await ask(left, 'huge', {})).toEqual(await ask(alone, 'huge', {}));
    expect((await ask(left, 'huge', {})).err).toEqual({ status: 'error', message: expect.stringContaining('reply is not serializable') });
    expect(await ask(left, 'empty', {})).toEqual({ isDisposed: true });
  });

  it('matches many concurrent replies to their requests', async () => {
    const { left, right, leftBridge } = bridged();
    right.addResponder('slow.echo', (packet, reply) => setTimeout(() => reply({ response: packet.data, isDisposed: true }), Math.floor(Math.random() * 5)));
    await waitFor(() => leftBridge.remoteSubjects.includes('slow.echo'));
    const replies = await Promise.all(Array.from({ length: 2000 }, (_, i) => ask(left, 'slow.echo', { i })));
    expect(replies.map((r) => (r.response as { i: number }).i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('reaches a third broker through a hub and never sends a request back where it came from', async () => {
    const a = bridged(); // a.left = worker A, a.right = hub
    const { port1, port2 } = new MessageChannel();
    const worker = new InProcessBroker();
    const hubToWorker = new BrokerBridge(a.right, port1);
    const workerToHub = new BrokerBridge(worker, port2);
    open.push(hubToWorker, workerToHub);
    echo(worker, 'worker.echo', 'worker');
    echo(a.left, 'a.echo', 'a');
    await waitFor(() => a.leftBridge.remoteSubjects.includes('worker.echo') && workerToHub.remoteSubjects.includes('a.echo'));

    expect((await ask(a.left, 'worker.echo', 1)).response).toEqual({ from: 'worker', data: 1 });
    expect((await ask(worker, 'a.echo', 2)).response).toEqual({ from: 'a', data: 2 });
    // The hub announces to A only what others answer: A's own subject is not echoed back to it.
    expect(a.leftBridge.remoteSubjects).not.toContain('a.echo');
  });

  it('fails waiting and new requests at once when the other thread is gone', async () => {
    const { port1, port2 } = new MessageChannel();
    // A real thread on the far end that takes requests and never answers, then is terminated.
    const thread = new Worker(
      `const { workerData } = require('node:worker_threads');
       workerData.port.on('message', () => undefined);
       workerData.port.postMessage({ t: 'subjects', subjects: ['far.hold'] });`,
      { eval: true, workerData: { port: port2 }, transferList: [port2] },
    );
    const local = new InProcessBroker();
    const bridge = new BrokerBridge(local, port1);
    open.push(bridge);
    await waitFor(() => bridge.remoteSubjects.includes('far.hold'));

    const pending = ask(local, 'far.hold', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    await thread.terminate();

    expect((await pending).err).toBeInstanceOf(EmptyResponseException);
    await waitFor(() => bridge.closed);
    expect(local.hasResponder('far.hold')).toBe(false);
    expect((await ask(local, 'far.hold', {})).err).toBeInstanceOf(EmptyResponseException);
  });

  it('carries signals, coalesced within one turn', async () => {
    const { leftBridge, rightBridge } = bridged();
    let received = 0;
    rightBridge.onSignal('appended', () => received++);
    leftBridge.signal('appended');
    leftBridge.signal('appended');
    leftBridge.signal('appended');
    await waitFor(() => received > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toBe(1);
    leftBridge.signal('appended');
    await waitFor(() => received === 2);
  });
});
