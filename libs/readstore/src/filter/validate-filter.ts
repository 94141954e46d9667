import { ReadStoreError, type DocFilter } from '../port';

export interface FilterProblem {
  /** Where in the filter, e.g. `and.1.value`. */
  readonly path: string;
  readonly message: string;
}

/** Deeper filters are certainly a bug; the API allows depth 5. The bound also keeps compilation off deep stacks. */
const MAX_DEPTH = 32;

/** Per operator: a description of the value it needs, or undefined when the value fits. */
const VALUE_RULES: Record<string, (value: unknown) => string | undefined> = {
  eq: (v) => (isScalar(v) ? undefined : 'must be a string, finite number, boolean or null'),
  in: (v) => (isScalarList(v) ? undefined : 'must be an array of scalars'),
  all: (v) => (isScalarList(v) ? undefined : 'must be an array of scalars'),
  gt: rangeValue,
  gte: rangeValue,
  lt: rangeValue,
  lte: rangeValue,
  exists: (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean'),
  contains: textValue,
  startsWith: textValue,
};

/**
 * Shape checks for filters built in code (the API's own filter language is validated at the edge). Messages name
 * paths and never echo values, which may be personal data.
 */
export function validateFilter(filter: unknown): FilterProblem[] {
  const problems: FilterProblem[] = [];
  check(filter, '', 0, problems);
  return problems;
}

export function assertValidFilter(filter: DocFilter): void {
  const problems = validateFilter(filter);
  if (problems.length > 0) {
    const listed = problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ');
    throw new ReadStoreError(`invalid filter: ${listed}`);
  }
}

/** Field path rules shared by filters and sort specs. Returns a problem message, or undefined when valid. */
export function fieldPathProblem(field: unknown): string | undefined {
  if (typeof field !== 'string' || field === '') return 'must be a non-empty string';
  const segments = field.split('.');
  if (segments.some((s) => s === '')) return 'has an empty segment';
  if (segments.some((s) => s.startsWith('$'))) return 'has a segment starting with $';
  if (segments.some((s) => /^\d+$/.test(s))) return 'has a numeric segment (array positions are not supported)';
  if (segments.includes('__proto__')) return 'uses __proto__';
  if (segments[0]!.startsWith('_')) return 'starts with _ (reserved for the store)';
  return undefined;
}

function check(node: unknown, path: string, depth: number, out: FilterProblem[]): void {
  const at = (suffix: string) => (path ? `${path}.${suffix}` : suffix);
  if (depth > MAX_DEPTH) return void out.push({ path, message: `nested deeper than ${MAX_DEPTH}` });
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    return void out.push({ path, message: 'must be an object' });
  }
  const keys = Object.keys(node);
  const record = node as Record<string, unknown>;
  for (const group of ['and', 'or'] as const) {
    if (!(group in record)) continue;
    if (keys.length !== 1) return void out.push({ path, message: `"${group}" must be the only key` });
    const children = record[group];
    if (!Array.isArray(children)) return void out.push({ path: at(group), message: 'must be an array' });
    children.forEach((child, i) => check(child, at(`${group}.${i}`), depth + 1, out));
    return;
  }
  if ('not' in record) {
    if (keys.length !== 1) return void out.push({ path, message: '"not" must be the only key' });
    return check(record.not, at('not'), depth + 1, out);
  }
  checkCondition(record, keys, at, out);
}

function checkCondition(
  record: Record<string, unknown>,
  keys: string[],
  at: (suffix: string) => string,
  out: FilterProblem[],
): void {
  const unknownKey = keys.find((k) => k !== 'field' && k !== 'op' && k !== 'value');
  if (unknownKey !== undefined) return void out.push({ path: at(unknownKey), message: 'is not a filter key' });
  const fieldProblem = fieldPathProblem(record.field);
  if (fieldProblem) out.push({ path: at('field'), message: fieldProblem });
  const rule = typeof record.op === 'string' && Object.hasOwn(VALUE_RULES, record.op) ? VALUE_RULES[record.op] : undefined;
  if (!rule) return void out.push({ path: at('op'), message: 'is not a known operator' });
  const valueProblem = rule(record.value);
  if (valueProblem) out.push({ path: at('value'), message: valueProblem });
}

function rangeValue(value: unknown): string | undefined {
  return typeof value === 'string' || isFiniteNumber(value) ? undefined : 'must be a string or finite number';
}

function textValue(value: unknown): string | undefined {
  return typeof value === 'string' ? undefined : 'must be a string';
}

function isScalarList(value: unknown): boolean {
  return Array.isArray(value) && value.every(isScalar);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}
