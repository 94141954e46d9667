import { Agent, request } from 'node:http';

/** What the query and background loops of bench/search need of an HTTP client (e2e's `Api` has it too). */
export interface Poster {
  post(path: string, body?: unknown): Promise<{ status: number; json: any; text: string }>;
}

/**
 * A keep-alive `node:http` client for the load bench/search puts on a deployment. The bench shares the machine's two
 * cores with what it measures, so its own cost per request is taken from Roster's: `fetch` (undici) cost the bench
 * 0.72–1.27 ms of CPU per search request against 0.36–0.51 ms for this client (10 in flight, a 1M deployment,
 * 2026-12-05) — during a query phase the bench process took 40–48 % of a core with `fetch`.
 */
export class HttpPoster implements Poster {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly baseUrl: string,
    private readonly key?: string,
  ) {}

  post(path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = {
      ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = request(`${this.baseUrl}${path}`, { method: 'POST', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
