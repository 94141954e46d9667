import { randomUUID } from 'node:crypto';
import { Controller, Module, type Type } from '@nestjs/common';
import { MessagePattern, type ClientProxy } from '@nestjs/microservices';
import { fail, ok } from '../reply';
import { RpcClient } from '../rpc-client';
import { RpcReplyError, RpcTimeoutError, RpcUnavailableError } from '../rpc-errors';
import { RequestData, RequestMeta, type RpcMeta } from '../rpc-request';

export interface RequestReplyFixture {
  /** Serves the module's `@MessagePattern` handlers on the transport; resolves once they answer. */
  serve(module: Type): Promise<{ close(): Promise<void> }>;
  /** A client proxy of the same transport. */
  client(): ClientProxy;
  close(): Promise<void>;
}

function conformanceModule(prefix: string, slowReply: Promise<void>): Type {
  @Controller()
  class ConformanceController {
    @MessagePattern(`${prefix}.echo`)
    echo(@RequestData() data: unknown, @RequestMeta() meta: RpcMeta) {
      return ok({ data, correlationId: meta.correlationId });
    }

    @MessagePattern(`${prefix}.reject`)
    reject() {
      return fail('invalid', 'name is required', { errors: [{ path: 'name', message: 'Required' }], details: { field: 'name' } });
    }

    @MessagePattern(`${prefix}.slow`)
    async slow() {
      await slowReply;
      return ok('late');
    }

    @MessagePattern(`${prefix}.add`)
    async add(@RequestData() data: { a: number; b: number }) {
      await new Promise((resolve) => setImmediate(resolve));
      return ok(data.a + data.b);
    }

    @MessagePattern(`${prefix}.explode`)
    explode(): never {
      throw new Error('handler bug');
    }
  }

  @Module({ controllers: [ConformanceController] })
  class ConformanceModule {}
  return ConformanceModule;
}

const UNICODE = { text: 'Zoë — 👋 日本語 "quoted" \\ \u2028 end', nested: [1, null, true, { ü: 'ß' }] };

/** The request/reply contract every Nest transport of Roster must keep (RpcClient over NATS or in-process). */
export function requestReplyConformance(name: string, makeFixture: () => Promise<RequestReplyFixture>): void {
  describe(`request/reply conformance: ${name}`, () => {
    const prefix = `conf.rr.${randomUUID().slice(0, 8)}`;
    let releaseSlow!: () => void;
    const slowReply = new Promise<void>((resolve) => (releaseSlow = resolve));
    let fixture: RequestReplyFixture;
    let server: { close(): Promise<void> };
    let rpc: RpcClient;

    beforeAll(async () => {
      fixture = await makeFixture();
      server = await fixture.serve(conformanceModule(prefix, slowReply));
      rpc = new RpcClient(fixture.client());
    });

    afterAll(async () => {
      releaseSlow();
      await rpc?.close();
      await server?.close();
      await fixture?.close();
    });

    it('answers a request, carrying unicode and turning values into their JSON form', async () => {
      const answer = await rpc.request<{ data: unknown }>(`${prefix}.echo`, { ...UNICODE, at: new Date(0) });
      expect(answer.data).toEqual({ ...UNICODE, at: '1970-01-01T00:00:00.000Z' });
    });

    it('hands the correlation id to the handler, and makes one when the caller has none', async () => {
      const given = await rpc.request<{ correlationId: string }>(`${prefix}.echo`, {}, { correlationId: 'corr-42' });
      expect(given.correlationId).toBe('corr-42');
      const made = await rpc.request<{ correlationId: string }>(`${prefix}.echo`, {});
      expect(made.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('surfaces an error reply as RpcReplyError with kind, errors and details', async () => {
      const error = await rpc.request(`${prefix}.reject`, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcReplyError);
      expect((error as RpcReplyError).toReplyError()).toEqual({
        kind: 'invalid',
        message: 'name is required',
        errors: [{ path: 'name', message: 'Required' }],
        details: { field: 'name' },
      });
    });

    it('reports a handler that throws as an internal RpcReplyError', async () => {
      const error = await rpc.request(`${prefix}.explode`, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcReplyError);
      expect((error as RpcReplyError).kind).toBe('internal');
    });

    it('times out with RpcTimeoutError', async () => {
      const started = Date.now();
      const error = await rpc.request(`${prefix}.slow`, {}, { timeoutMs: 150 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcTimeoutError);
      expect((error as RpcTimeoutError).timeoutMs).toBe(150);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('fails at once with RpcUnavailableError when nobody handles the subject', async () => {
      const error = await rpc.request(`${prefix}.nobody`, {}, { timeoutMs: 4000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcUnavailableError);
    });

    it('refuses a payload that cannot cross the wire (bigint)', async () => {
      await expect(rpc.request(`${prefix}.echo`, { position: 1n })).rejects.toThrow(TypeError);
    });

    it('answers 200 concurrent requests, each with its own result', async () => {
      const pairs = Array.from({ length: 200 }, (_, i) => ({ a: i, b: i * 1000 }));
      const sums = await Promise.all(pairs.map((p) => rpc.request<number>(`${prefix}.add`, p)));
      expect(sums).toEqual(pairs.map((p) => p.a + p.b));
    });

    it('stops answering once the serving microservice closes', async () => {
      const other = `conf.rr.${randomUUID().slice(0, 8)}`;
      const closing = await fixture.serve(conformanceModule(other, slowReply));
      await expect(rpc.request(`${other}.add`, { a: 1, b: 2 })).resolves.toBe(3);
      await closing.close();
      const error = await rpc.request(`${other}.add`, { a: 1, b: 2 }, { timeoutMs: 4000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcUnavailableError);
    });
  });
}
