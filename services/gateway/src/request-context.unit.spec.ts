import Fastify from 'fastify';
import type { Infra } from '@roster/platform';
import { currentRequestId, withCurrentRequest } from './request-context';
import { RpcClientService } from './rpc-client.service';

describe('the current request (correlation ids without request-scoped providers)', () => {
  function appWith(onRequestId: (req: { raw: { id?: string } }) => void) {
    const app = Fastify();
    app.addHook('onRequest', (request, _reply, done) => {
      onRequestId(request as never);
      done();
    });
    app.addHook('preHandler', (request, _reply, done) => withCurrentRequest(request, done));
    const sent: (string | undefined)[] = [];
    const infra = { config: { rpcTimeoutMs: 1000 }, rpc: { request: async (_s: string, _p: unknown, o: { correlationId?: string }) => sent.push(o.correlationId) } };
    const rpc = new RpcClientService(infra as unknown as Infra);
    app.post('/work', async (request) => {
      // Work the handler starts later (timers, awaited promises) still knows its request.
      await new Promise((r) => setTimeout(r, 5));
      await rpc.request('roster.x.y', request.body);
      return { seen: currentRequestId() };
    });
    return { app, sent };
  }

  /** Over a real socket (Fastify's `inject` needs an ESM-only package Jest does not load). */
  async function post(app: ReturnType<typeof Fastify>, headers: Record<string, string>, body: unknown) {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${base}/work`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return (await res.json()) as { seen: string };
  }

  it('gives the id the access log uses (pino-http sets it on the raw request) to every RPC of that request', async () => {
    const { app, sent } = appWith((req) => {
      req.raw.id = `log-${(req as unknown as { headers: Record<string, string> }).headers['x-n']}`;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const answers = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const res = await fetch(`${base}/work`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-n': String(n) }, body: JSON.stringify({ big: 'x'.repeat(100_000) }) });
        return ((await res.json()) as { seen: string }).seen;
      }),
    );
    expect(answers).toEqual(['log-1', 'log-2', 'log-3']);
    expect([...sent].sort()).toEqual(['log-1', 'log-2', 'log-3']);
    await app.close();
  });

  it("falls back to Fastify's own id, and knows no request outside one", async () => {
    const { app, sent } = appWith(() => undefined);
    const { seen } = await post(app, {}, {});
    expect(seen).toMatch(/^req-/);
    expect(sent).toEqual([seen]);
    expect(currentRequestId()).toBeUndefined();
    await app.close();
  });
});
