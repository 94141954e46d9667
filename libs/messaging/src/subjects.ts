import { NAMESPACE } from '@roster/contracts';

/**
 * Generic names for relayed integration events. The public subject list belongs to `@roster/contracts`; these helpers
 * only derive JetStream names from a source service and an event type, so every adapter agrees on them.
 */

const SOURCE_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Event types made of these tokens are used verbatim as subject tokens (dots become subject levels). */
const PLAIN_TYPE_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;


/** `<namespace>.evt` (ROSTER_NAMESPACE, default `roster`): deployments sharing a NATS server never see each other. */
export const EVENT_SUBJECT_ROOT = `${NAMESPACE}.evt`;

/** Source names are configuration (`user-profile`), so a bad one is a programming error, not data. */
export function assertSourceName(source: string): void {
  if (!SOURCE_PATTERN.test(source)) {
    throw new Error(`invalid event source name "${source}": use lowercase letters, digits and single dashes`);
  }
}

/**
 * Subject tokens derived from an event type. A type that is not plain (spaces, `*`, `>`, empty levels, non-ASCII)
 * must still be relayed, so it becomes a single `~`-prefixed base64url token: injective, because `~` never
 * appears in a plain type.
 */
export function eventTypeTokens(type: string): string {
  if (PLAIN_TYPE_PATTERN.test(type)) return type;
  return `~${Buffer.from(type, 'utf8').toString('base64url')}`;
}

/** `roster.evt.<source>.<type tokens>`, e.g. `roster.evt.user-profile.user-profile.BotUserCreated.v1`. */
export function eventSubject(source: string, type: string): string {
  assertSourceName(source);
  return `${EVENT_SUBJECT_ROOT}.${source}.${eventTypeTokens(type)}`;
}

/**
 * `roster.evt.<source>.~batch`: the subject of the relay's messages, each holding a run of the source's events of any
 * types. `~batch` never equals a type's tokens: a plain type has no `~`, and an encoded one is `~` + base64url of
 * its bytes, whose length is never 5.
 */
export function batchSubject(source: string): string {
  assertSourceName(source);
  return `${EVENT_SUBJECT_ROOT}.${source}.~batch`;
}

/** Every event subject of one source. */
export function sourceSubjects(source: string): string {
  assertSourceName(source);
  return `${EVENT_SUBJECT_ROOT}.${source}.>`;
}

/** `ROSTER_EVT_USER_PROFILE` for `user-profile` (the namespace, upper-cased, first). */
export function streamNameFor(source: string): string {
  assertSourceName(source);
  return `${NAMESPACE.toUpperCase()}_EVT_${source.toUpperCase().replace(/-/g, '_')}`;
}

const CONSUMER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/** Durable consumer names become JetStream API subject tokens, so they are restricted to safe characters. */
export function assertConsumerName(name: string): void {
  if (!CONSUMER_NAME_PATTERN.test(name)) {
    throw new Error(`invalid consumer name "${name}": use letters, digits, "_" and "-" (at most 200)`);
  }
}
