/** A small HTTP client for the e2e suites. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
  ) {}

  as(key: string): Api {
    return new Api(this.baseUrl, key);
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = {
      method,
      headers: {
        ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    };
    const res = await fetch(`${this.baseUrl}${path}`, init);
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', json, text, headers: res.headers };
  }

  get(path: string) {
    return this.call('GET', path);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.call('POST', path, body, headers);
  }
}

export const event = (overrides: Record<string, unknown> = {}) => ({
  eventId: `evt-${Math.random().toString(36).slice(2)}`,
  type: 'message.received',
  channel: 'messenger',
  channelUserId: `psid-${Math.random().toString(36).slice(2)}`,
  occurredAt: new Date().toISOString(),
  ...overrides,
});

export interface TestBot {
  id: string;
  /** The id part of the bot's API key, as edits record it (`actor.keyId`). */
  keyId: string;
  api: Api;
}

/** A new bot (admin key) and an API key for it; the returned Api speaks with that key. */
export async function createBot(admin: Api, name: string): Promise<TestBot> {
  const bot = await admin.post('/v1/bots', { name, timezone: 'Europe/Amsterdam' });
  expect(bot.status).toBe(201);
  const key = await admin.post(`/v1/bots/${bot.json.id}/api-keys`);
  expect(key.status).toBe(201);
  const keyId = /^rk_([^.]+)\./.exec(key.json.key)?.[1];
  expect(keyId).toBeDefined();
  return { id: bot.json.id as string, keyId: keyId!, api: admin.as(key.json.key) };
}

/** Every user of a bot, following the list's cursors. */
export async function listAllUsers(api: Api, botId: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await api.get(`/v1/bots/${botId}/users?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`listing users answered ${page.status}`);
    items.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return items;
}
