import { createHash } from 'node:crypto';
import { normalizedEventSchema, type Channel, type NormalizedEvent } from '@roster/contracts';

/** One webhook delivery item that was not turned into an event. Reasons name paths and kinds, never personal values. */
export interface WebhookRejection {
  reason: string;
}

/** The events of one routed entry: `externalId` is the connection's key (page id, IG account id, phone-number id). */
export interface WebhookEntry<C extends Channel = Channel> {
  externalId: string;
  channel: C;
  events: NormalizedEvent[];
}

export interface WebhookMapResult<C extends Channel = Channel> {
  entries: WebhookEntry<C>[];
  rejected: WebhookRejection[];
}

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A non-empty string, or undefined. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

const MAX_EVENT_ID = 200;
const MAX_DATE_MS = 8.64e15;

/** A deterministic id from its parts (no randomness, no receive time): the same delivery gives the same id. */
export const stableId = (kind: string, ...parts: unknown[]): string =>
  `${kind}:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;

/** A platform id as event id; one longer than the contract allows becomes its (stable) hash. */
export const platformEventId = (id: string): string => (id.length <= MAX_EVENT_ID ? id : stableId('h', id));

/** Milliseconds since the epoch as ISO 8601, or undefined when not a usable number. */
export const msToIso = (ms: unknown): string | undefined => {
  const n = typeof ms === 'string' && /^\d+$/.test(ms) ? Number(ms) : ms;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > MAX_DATE_MS) return undefined;
  return new Date(n).toISOString();
};

/** Seconds since the epoch (number or digit string, as WhatsApp sends it) as ISO 8601. */
export const secondsToIso = (seconds: unknown): string | undefined => {
  const n = typeof seconds === 'string' && /^\d+$/.test(seconds) ? Number(seconds) : seconds;
  return typeof n === 'number' ? msToIso(n * 1000) : undefined;
};

export const dateToIso = (date: Date): string | undefined => msToIso(date instanceof Date ? date.getTime() : undefined);

/**
 * The last gate: every event a mapper returns passes the contract. A failure (e.g. an over-long user id) is a rejection
 * naming the failing paths, never a throw.
 */
export const checked = (event: NormalizedEvent, where: string): { event: NormalizedEvent } | { rejection: WebhookRejection } => {
  const result = normalizedEventSchema.safeParse(event);
  if (result.success) return { event: result.data };
  const paths = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
  return { rejection: { reason: `${where}: mapped event does not fit the contract at ${paths}` } };
};

/** Groups events by route key, keeping the delivery order of first appearance. */
export class EntryCollector<C extends Channel> {
  private readonly byKey = new Map<string, WebhookEntry<C>>();
  readonly rejected: WebhookRejection[] = [];

  add(externalId: string, channel: C, event: NormalizedEvent, where: string): void {
    const result = checked(event, where);
    if ('rejection' in result) {
      this.rejected.push(result.rejection);
      return;
    }
    const key = `${channel}\u0000${externalId}`;
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { externalId, channel, events: [] };
      this.byKey.set(key, entry);
    }
    entry.events.push(result.event);
  }

  reject(reason: string): void {
    this.rejected.push({ reason });
  }

  result(): WebhookMapResult<C> {
    return { entries: [...this.byKey.values()], rejected: this.rejected };
  }
}
