import type { z } from 'zod';
import { fail, type Reply } from '@roster/messaging';

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** Every problem zod found, each with its dotted path (prefixed, e.g. `events.3.occurredAt`). */
export function problemsOf(error: z.ZodError, prefix?: string): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    return { path: path || '(body)', message: issue.message };
  });
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | Extract<Reply<never>, { ok: false }>;

/** Parses a request payload; on failure answers the `invalid` reply that the gateway turns into a 400. */
export function parseOrFail<S extends z.ZodType>(schema: S, payload: unknown, prefix?: string): Parsed<z.infer<S>> {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return fail('invalid', 'the request is not valid', { errors: problemsOf(result.error, prefix) }) as Extract<Reply<never>, { ok: false }>;
}

/** Turns a known error into its reply (undefined: not a known error, rethrown). */
export type ErrorTranslator = (error: unknown) => Reply<never> | undefined;

/**
 * The body of every request/reply handler: parse the payload (400 with paths), do the work, answer `ok`; errors the
 * translator knows become their reply kind, anything else is rethrown (a bug: the transport answers 500).
 */
export async function answerRequest<S extends z.ZodType, T>(
  schema: S,
  payload: unknown,
  work: (input: z.infer<S>) => Promise<T> | T,
  translate: ErrorTranslator = () => undefined,
): Promise<Reply<T>> {
  const parsed = parseOrFail(schema, payload);
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, value: await work(parsed.value) };
  } catch (error) {
    const reply = translate(error);
    if (reply) return reply;
    throw error;
  }
}
