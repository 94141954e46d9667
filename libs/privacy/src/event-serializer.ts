import type { JsonValue } from './json';
import { isEncryptedPii, type PiiCodec } from './pii-codec';

/**
 * Dotted paths to the personal fields of an event payload, e.g. `profile.email`, or `fields.*` where `*` stands for
 * every value of a map (or every element of an array).
 */
export type PersonalFieldPaths = readonly string[];

type Payload = Readonly<Record<string, unknown>>;
type Transform = (value: unknown) => Promise<unknown>;

/** Encrypts the values at `paths`; absent fields stay absent and null stays null. Returns a new object. */
export function encodePersonalFields(
  codec: PiiCodec,
  subjectId: string,
  data: Payload,
  paths: PersonalFieldPaths,
): Promise<Record<string, unknown>> {
  return transformPaths(data, paths, (value) => codec.encrypt(subjectId, value as JsonValue));
}

/**
 * Decrypts the values at `paths`; a shredded subject's values become null. Values at those paths that are not
 * encrypted pass through, so a path added to a later event version does not break reading older events.
 */
export function decodePersonalFields(
  codec: PiiCodec,
  subjectId: string,
  data: Payload,
  paths: PersonalFieldPaths,
): Promise<Record<string, unknown>> {
  return transformPaths(data, paths, async (value) =>
    isEncryptedPii(value) ? ((await codec.decrypt(subjectId, value)) ?? null) : value,
  );
}

async function transformPaths(data: Payload, paths: PersonalFieldPaths, transform: Transform) {
  // A deep copy, so the result shares nothing with the input and can be changed in place.
  const result = structuredClone(data) as Record<string, unknown>;
  // One path at a time: the first call loads the subject's key, the rest find it in the codec's cache.
  for (const path of paths) await transformAt(result, segmentsOf(path), transform);
  return result;
}

async function transformAt(container: unknown, segments: readonly string[], transform: Transform): Promise<void> {
  if (typeof container !== 'object' || container === null || isEncryptedPii(container)) return;
  const [head, ...rest] = segments;
  const node = container as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(node) : Object.hasOwn(node, head) ? [head] : [];
  for (const key of keys) {
    const value = node[key];
    if (rest.length > 0) await transformAt(value, rest, transform);
    else if (value !== null && value !== undefined) node[key] = await transform(value);
  }
}

function segmentsOf(path: string): string[] {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) throw new RangeError(`malformed personal field path "${path}"`);
  return segments;
}
