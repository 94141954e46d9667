import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload, type WritePacket } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { firstValueFrom } from 'rxjs';
import { InProcessBroker } from './broker';
import { InProcessClient } from './client';
import { InProcessServer } from './server';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('InProcessBroker', () => {
  it('runs the responder on a later turn, never inside the caller', async () => {
    const broker = new InProcessBroker();
    const calls: string[] = [];
    broker.addResponder('a.b', (_packet, reply) => {
      calls.push('handler');
      reply({ response: 1, isDisposed: true });
    });
    broker.request('a.b', { pattern: 'a.b', data: {} }, () => calls.push('reply'));
    calls.push('caller returned');
    await nextTurn();
    await nextTurn();
    expect(calls).toEqual(['caller returned', 'handler', 'reply']);
  });

  it('copies payloads and replies through JSON, both ways', async () => {
    const broker = new InProcessBroker();
    const sent = { list: [1], when: new Date(0), gone: undefined };
    let received: unknown;
    const answer = { shared: true };
    broker.addResponder('copy', (packet, reply) => {
      received = packet.data;
      reply({ response: answer, isDisposed: true });
    });
    const replies: WritePacket[] = [];
    broker.request('copy', { pattern: 'copy', data: sent }, (p) => replies.push(p));
    await waitUntil(() => replies.length > 0);
    expect(received).toEqual({ list: [1], when: '1970-01-01T00:00:00.000Z' });
    expect((received as { list: number[] }).list).not.toBe(sent.list);
    expect(replies[0]!.response).toEqual(answer);
    expect(replies[0]!.response).not.toBe(answer);
  });

  it("hands on a bridge's reply as it came (the other thread copied it already), but copies an error", async () => {
    const broker = new InProcessBroker();
    const bridge = Symbol('bridge');
    const answer = { page: [{ id: 'u1' }] };
    const failure = Object.assign(new Error('rebuilt by the bridge'), { name: 'RemoteError' });
    broker.addResponder('relayed', (packet, reply) => reply(packet.data === 'fail' ? { err: failure, isDisposed: true } : { response: answer, isDisposed: true }), bridge);
    const replies: WritePacket[] = [];
    broker.request('relayed', { pattern: 'relayed', data: 'ok' }, (p) => replies.push(p));
    broker.request('relayed', { pattern: 'relayed', data: 'fail' }, (p) => replies.push(p));
    await waitUntil(() => replies.length === 2);
    expect(replies[0]!.response).toBe(answer);
    expect(replies[1]!.err).toEqual({ name: 'RemoteError' });
    expect(replies[1]!.err).not.toBe(failure);
  });

  it('answers a request nobody serves with the NATS no-responders error', async () => {
    const broker = new InProcessBroker();
    const replies: WritePacket[] = [];
    broker.request('nobody', { pattern: 'nobody', data: {} }, (p) => replies.push(p));
    expect(replies).toEqual([]);
    await waitUntil(() => replies.length > 0);
    expect(replies[0]!.err).toBeInstanceOf(EmptyResponseException);
  });

  it('turns an unserializable reply into an error instead of a silent timeout', async () => {
    const broker = new InProcessBroker();
    broker.addResponder('big', (_p, reply) => reply({ response: { n: 1n }, isDisposed: true }));
    const replies: WritePacket[] = [];
    broker.request('big', { pattern: 'big', data: {} }, (p) => replies.push(p));
    await waitUntil(() => replies.length > 0);
    expect(replies[0]).toMatchObject({ err: { status: 'error' }, isDisposed: true });
  });

  it('spreads requests over the responders of one subject and drops a cancelled reply', async () => {
    const broker = new InProcessBroker();
    const served: string[] = [];
    broker.addResponder('rr', (_p, reply) => (served.push('x'), reply({ response: 'x', isDisposed: true })));
    const removeY = broker.addResponder('rr', (_p, reply) => (served.push('y'), reply({ response: 'y', isDisposed: true })));
    const replies: unknown[] = [];
    for (let i = 0; i < 4; i++) broker.request('rr', { pattern: 'rr', data: i }, (p) => replies.push(p.response));
    const cancel = broker.request('rr', { pattern: 'rr', data: 5 }, (p) => replies.push(p.response));
    cancel();
    await waitUntil(() => served.length === 5);
    await nextTurn();
    expect(served.sort()).toEqual(['x', 'x', 'x', 'y', 'y']);
    expect(replies).toHaveLength(4);
    removeY();
    expect(broker.hasResponder('rr')).toBe(true);
  });

  it('refuses wildcard subjects, which it could not route like NATS', () => {
    const broker = new InProcessBroker();
    expect(() => broker.addResponder('users.*', () => undefined)).toThrow(/exact subjects/);
    expect(() => broker.addListener('users.>', () => undefined)).toThrow(/exact subjects/);
  });
});

describe('InProcessServer and InProcessClient', () => {
  const received: unknown[] = [];

  @Controller()
  class TestController {
    @MessagePattern('inproc.hold')
    hold() {
      return new Promise(() => undefined);
    }

    @EventPattern('inproc.happened')
    happened(@Payload() data: unknown) {
      received.push(data);
    }
  }

  @Module({ controllers: [TestController] })
  class TestModule {}

  it('registers handlers on listen and removes them on close', async () => {
    const broker = new InProcessBroker();
    const app = await NestFactory.createMicroservice(TestModule, { strategy: new InProcessServer(broker), logger: false });
    await app.listen();
    expect(broker.hasResponder('inproc.hold')).toBe(true);
    await app.close();
    expect(broker.hasResponder('inproc.hold')).toBe(false);
  });

  it('delivers emitted events to event handlers', async () => {
    const broker = new InProcessBroker();
    const app = await NestFactory.createMicroservice(TestModule, { strategy: new InProcessServer(broker), logger: false });
    await app.listen();
    const client = new InProcessClient(broker);
    await firstValueFrom(client.emit('inproc.happened', { n: 1 }), { defaultValue: undefined });
    await waitUntil(() => received.length > 0);
    expect(received).toEqual([{ n: 1 }]);
    await app.close();
  });

  it('fails the requests still waiting when the client closes', async () => {
    const broker = new InProcessBroker();
    const app = await NestFactory.createMicroservice(TestModule, { strategy: new InProcessServer(broker), logger: false });
    await app.listen();
    const client = new InProcessClient(broker);
    const pending = firstValueFrom(client.send('inproc.hold', {}));
    await nextTurn();
    await client.close();
    await expect(pending).rejects.toThrow('Connection closed');
    await app.close();
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await nextTurn();
  if (!check()) throw new Error('condition not reached');
}
