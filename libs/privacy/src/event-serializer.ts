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

/** Whether any value at `paths` is encrypted: what decoding the payload needs its subject's key for. */
export function holdsEncryptedValues(data: Payload, paths: PersonalFieldPaths): boolean {
  const slots: Slot[] = [];
  for (const path of paths) collect(data, segmentsOf(path), slots);
  return slots.some((slot) => isEncryptedPii(slot.node[slot.key]));
}

async function transformPaths(data: Payload, paths: PersonalFieldPaths, transform: Transform) {
  // A deep copy, so the result shares nothing with the input and can be changed in place.
  const result = copyJson(data) as Record<string, unknown>;
  const slots: Slot[] = [];
  for (const path of paths) collect(result, segmentsOf(path), slots);
  if (slots.length === 0) return result;
  // The first value alone: it loads the subject's key, the rest find it in the codec's cache.
  const [first, ...rest] = slots;
  first!.node[first!.key] = await transform(first!.node[first!.key]);
  if (rest.length > 0) {
    const values = await Promise.all(rest.map((slot) => transform(slot.node[slot.key])));
    rest.forEach((slot, i) => (slot.node[slot.key] = values[i]));
  }
  return result;
}

interface Slot {
  readonly node: Record<string, unknown>;
  readonly key: string;
}

/** The places (object and key) that hold a value at the path: null, undefined and absent values are left out. */
function collect(container: unknown, segments: readonly string[], slots: Slot[], depth = 0): void {
  if (typeof container !== 'object' || container === null || isEncryptedPii(container)) return;
  const head = segments[depth]!;
  const node = container as Record<string, unknown>;
  const last = depth === segments.length - 1;
  if (head !== '*') {
    if (!Object.hasOwn(node, head)) return;
    const value = node[head];
    if (!last) collect(value, segments, slots, depth + 1);
    else if (value !== null && value !== undefined) slots.push({ node, key: head });
    return;
  }
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (!last) collect(value, segments, slots, depth + 1);
    else if (value !== null && value !== undefined) slots.push({ node, key });
  }
}

/**
 * A deep copy of JSON-shaped data (plain objects, arrays, primitives) — several times cheaper than structuredClone on
 * the small payloads of events; anything else (a Date, a Buffer) is copied by structuredClone.
 */
function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy;
}

const segmentCache = new Map<string, string[]>();

function segmentsOf(path: string): string[] {
  let segments = segmentCache.get(path);
  if (segments) return segments;
  segments = path.split('.');
  if (segments.some((segment) => segment === '')) throw new RangeError(`malformed personal field path "${path}"`);
  if (segmentCache.size < 1_000) segmentCache.set(path, segments);
  return segments;
}
