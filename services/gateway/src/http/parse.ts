import type { z } from 'zod';
import { problemsOf } from '@roster/platform';
import { Problem } from './problem';

/** Validates an HTTP body; every problem is listed with its path in one 400. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new Problem(400, 'the request body is not valid', problemsOf(result.error));
  return result.data;
}
