import type { Reply, ReplyError, ReplyErrorKind } from './port';

export function ok<T>(value: T): Reply<T> {
  return { ok: true, value };
}

export function fail(
  kind: ReplyErrorKind,
  message: string,
  extra: Pick<ReplyError, 'errors' | 'details'> = {},
): Reply<never> {
  const error: ReplyError = {
    kind,
    message,
    ...(extra.errors ? { errors: extra.errors } : {}),
    ...(extra.details ? { details: extra.details } : {}),
  };
  return { ok: false, error };
}

const KINDS: ReadonlySet<string> = new Set<ReplyErrorKind>([
  'invalid',
  'not_found',
  'conflict',
  'unprocessable',
  'unavailable',
  'internal',
]);

/** Narrows an answer that crossed a transport; anything else means the handler broke the contract. */
export function isReply(value: unknown): value is Reply<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { ok?: unknown; value?: unknown; error?: { kind?: unknown; message?: unknown } };
  if (candidate.ok === true) return true;
  return (
    candidate.ok === false &&
    typeof candidate.error === 'object' &&
    candidate.error !== null &&
    typeof candidate.error.kind === 'string' &&
    KINDS.has(candidate.error.kind) &&
    typeof candidate.error.message === 'string'
  );
}
