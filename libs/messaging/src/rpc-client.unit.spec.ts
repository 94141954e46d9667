import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { fail, isReply, ok } from './reply';
import { RpcClient } from './rpc-client';
import { RpcReplyError, RpcUnavailableError } from './rpc-errors';
import { correlationIdOf, deadlineOf } from './rpc-request';

/** A transport that answers every request with one scripted packet. */
class ScriptedClient extends ClientProxy {
  sent: ReadPacket[] = [];
  constructor(private readonly answer: WritePacket) {
    super();
  }
  async connect() {}
  async close() {}
  unwrap<T>(): T {
    throw new Error('no connection');
  }
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void) {
    this.sent.push(packet);
    setImmediate(() => callback(this.answer));
    return () => undefined;
  }
  protected async dispatchEvent<T>(): Promise<T> {
    throw new Error('not used');
  }
}

describe('reply helpers', () => {
  it('builds the envelopes handlers answer', () => {
    expect(ok(5)).toEqual({ ok: true, value: 5 });
    expect(fail('not_found', 'no such user')).toEqual({ ok: false, error: { kind: 'not_found', message: 'no such user' } });
    expect(isReply(fail('conflict', 'dup', { details: { existingUserId: 'u1' } }))).toBe(true);
    expect(isReply({ ok: false, error: { kind: 'teapot', message: 'x' } })).toBe(false);
    expect(isReply({ value: 1 })).toBe(false);
  });
});

describe('RpcClient', () => {
  it('wraps the payload with the correlation id and the deadline its timeout sets', async () => {
    const client = new ScriptedClient({ response: ok('done'), isDisposed: true });
    const before = Date.now();
    await expect(new RpcClient(client).request('s.x', { a: 1 }, { correlationId: 'c-9', timeoutMs: 5_000 })).resolves.toBe('done');
    expect(client.sent[0]!.data).toEqual({ meta: { correlationId: 'c-9', deadline: expect.any(Number) }, data: { a: 1 } });
    const deadline = deadlineOf((client.sent[0]!.data as { meta: unknown }).meta)!;
    expect(deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(deadlineOf({ correlationId: 'x' })).toBeUndefined();
    expect(deadlineOf({ deadline: 'soon' })).toBeUndefined();
    expect(correlationIdOf(client.sent[0]!.data)).toBe('c-9');
    expect(correlationIdOf({ data: 1 })).toBeUndefined();
  });

  it('treats an answer that is not a Reply as a broken handler', async () => {
    const client = new ScriptedClient({ response: { hello: 1 }, isDisposed: true });
    const error = await new RpcClient(client).request('s.x', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'internal', subject: 's.x' });
  });

  it('keeps the kind of an RpcException thrown with a ReplyError body', async () => {
    const client = new ScriptedClient({ err: { kind: 'conflict', message: 'taken', details: { id: 'u1' } }, isDisposed: true });
    const error = await new RpcClient(client).request('s.x', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcReplyError);
    expect((error as RpcReplyError).toReplyError()).toEqual({ kind: 'conflict', message: 'taken', details: { id: 'u1' } });
  });

  it('reports transport failures as unavailable', async () => {
    const lost = new ScriptedClient({ err: 'Error: Connection lost. Trying to reconnect...' });
    await expect(new RpcClient(lost).request('s.x', {})).rejects.toBeInstanceOf(RpcUnavailableError);
    const closed = new ScriptedClient({ err: new Error('Connection closed') });
    await expect(new RpcClient(closed).request('s.x', {})).rejects.toBeInstanceOf(RpcUnavailableError);
  });

  it('reports a handler that completes without a value as internal', async () => {
    const client = new ScriptedClient({ isDisposed: true });
    await expect(new RpcClient(client).request('s.x', {})).rejects.toMatchObject({ kind: 'internal' });
  });
});
