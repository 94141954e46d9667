import { customFieldKey, kindOf, OPS, type FieldTypes, type Filter, type FilterCondition, type FilterGroup, type FilterNode } from './filter';
import { opFits, valueProblems } from './values';

/** api.md: groups nest at most 5 deep (the filter's own group is level 1) and hold at most 50 conditions in all. */
export const MAX_DEPTH = 5;
export const MAX_CONDITIONS = 50;

export interface FilterError {
  /** Dotted, from the given root: `filter.all.2.any.0.op`. */
  readonly path: string;
  readonly message: string;
}

export type ParsedFilter = { readonly ok: true; readonly filter: Filter } | { readonly ok: false; readonly errors: FilterError[] };

/** What an absent filter means: every user. */
export const MATCH_ALL: Filter = { all: [] };

const GROUP_KEYS = ['all', 'any'] as const;
const CONDITION_KEYS = new Set(['field', 'op', 'value']);
const GROUP_SHAPE = 'must be a group: { "all": [...] } or { "any": [...] }';
const NODE_SHAPE = 'must be a condition { "field", "op", "value"? } or a group { "all": [...] } / { "any": [...] }';

/**
 * Validates a filter of the filter language against one bot's custom fields (`fieldTypes`), reporting every problem
 * at once, each with its path. `null` or `undefined` is the absent filter, which matches everyone. Messages name
 * fields and operators but never echo values, which may be personal data.
 */
export function parseFilter(input: unknown, fieldTypes: FieldTypes, path = 'filter'): ParsedFilter {
  if (input === undefined || input === null) return { ok: true, filter: MATCH_ALL };
  const walk = new Walk(fieldTypes);
  const filter = isRecord(input) ? walk.group(input, path, 1) : walk.problem(path, GROUP_SHAPE);
  if (walk.conditions > MAX_CONDITIONS) {
    walk.problem(path, `has ${walk.conditions} conditions; at most ${MAX_CONDITIONS} are allowed`);
  }
  return walk.errors.length === 0 && filter ? { ok: true, filter } : { ok: false, errors: walk.errors };
}

class Walk {
  readonly errors: FilterError[] = [];
  conditions = 0;

  constructor(private readonly fieldTypes: FieldTypes) {}

  problem(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  /** The group at `path` (level `depth`), or undefined when it is not a valid one (every problem reported). */
  group(record: Record<string, unknown>, path: string, depth: number): FilterGroup | undefined {
    const present = GROUP_KEYS.filter((k) => Object.hasOwn(record, k));
    if (present.length === 0) return this.problem(path, GROUP_SHAPE);
    let valid = present.length === 1;
    if (!valid) this.problem(path, 'must have exactly one of "all" and "any"');
    for (const other of Object.keys(record)) {
      if (GROUP_KEYS.includes(other as (typeof GROUP_KEYS)[number])) continue;
      this.problem(`${path}.${other}`, 'is not allowed in a group');
      valid = false;
    }
    if (depth > MAX_DEPTH) return this.problem(path, `groups nest at most ${MAX_DEPTH} levels deep`);
    let nodes: (FilterNode | undefined)[] = [];
    for (const key of present) {
      const children = record[key];
      if (!Array.isArray(children)) {
        this.problem(`${path}.${key}`, 'must be an array of conditions and groups');
        valid = false;
        continue;
      }
      nodes = children.map((child, i) => this.node(child, `${path}.${key}.${i}`, depth));
    }
    if (!valid || nodes.some((n) => n === undefined)) return undefined;
    return (present[0] === 'all' ? { all: nodes } : { any: nodes }) as FilterGroup;
  }

  private node(input: unknown, path: string, parentDepth: number): FilterNode | undefined {
    if (!isRecord(input)) return this.problem(path, NODE_SHAPE);
    if (GROUP_KEYS.some((k) => Object.hasOwn(input, k))) return this.group(input, path, parentDepth + 1);
    if (Object.hasOwn(input, 'field') || Object.hasOwn(input, 'op')) return this.condition(input, path);
    return this.problem(path, NODE_SHAPE);
  }

  private condition(record: Record<string, unknown>, path: string): FilterCondition | undefined {
    this.conditions++;
    const before = this.errors.length;
    for (const key of Object.keys(record)) {
      if (!CONDITION_KEYS.has(key)) this.problem(`${path}.${key}`, 'is not allowed in a condition');
    }
    const { field, op, value } = record;
    const kind = typeof field === 'string' ? kindOf(field, this.fieldTypes) : undefined;
    if (field === undefined) this.problem(`${path}.field`, 'is required');
    else if (typeof field !== 'string') this.problem(`${path}.field`, 'must be a string');
    else if (!kind) this.problem(`${path}.field`, unknownFieldMessage(field));

    if (op === undefined) this.problem(`${path}.op`, 'is required');
    else if (typeof op !== 'string') this.problem(`${path}.op`, 'must be a string');
    else if (kind && !opFits(kind, op)) this.problem(`${path}.op`, `is not an operator of ${field as string}: use one of ${OPS[kind].join(', ')}`);
    else if (kind && opFits(kind, op)) {
      for (const problem of valueProblems(kind, op, value)) this.problem([`${path}.value`, ...problem.path].join('.'), problem.message);
    }
    if (this.errors.length > before) return undefined;
    return value === undefined || value === null
      ? { field: field as string, op: op as FilterCondition['op'] }
      : { field: field as string, op: op as FilterCondition['op'], value: (Array.isArray(value) ? [...value] : value) as FilterCondition['value'] };
  }
}

function unknownFieldMessage(field: string): string {
  return customFieldKey(field) === undefined ? 'is not a known field' : 'is not a custom field of this bot';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
