import type { FieldType } from '@roster/contracts';

/**
 * The filter language of api.md ("Filter language"): a group of conditions and nested groups. A parsed `Filter` has
 * been checked against one bot's custom fields (`parseFilter`), so every condition's field exists and its operator
 * and value fit the field's type.
 */
export type Filter = FilterGroup;
export type FilterGroup = { readonly all: readonly FilterNode[] } | { readonly any: readonly FilterNode[] };
export type FilterNode = FilterGroup | FilterCondition;

export interface FilterCondition {
  readonly field: string;
  readonly op: FilterOp;
  /** Absent for the operators that take none (`isSet`, `isTrue`, …). */
  readonly value?: string | number | readonly string[];
}

/** Custom field types by key, for one bot. */
export type FieldTypes = Readonly<Record<string, FieldType>>;

/**
 * What a field holds, which decides its operators:
 * `list` a set of names or ids, `enum` a plain string, `text` a string matched case-insensitively,
 * `instant` a UTC ISO datetime, `date` a `YYYY-MM-DD` day, and custom `number` and `boolean` values.
 */
export type FieldKind = 'list' | 'enum' | 'text' | 'instant' | 'date' | 'number' | 'boolean';

export const OPS = {
  list: ['hasAny', 'hasAll', 'hasNone'],
  enum: ['is', 'isNot', 'in', 'notIn', 'isSet', 'isNotSet'],
  text: ['is', 'isNot', 'contains', 'notContains', 'startsWith', 'isSet', 'isNotSet'],
  instant: ['before', 'after', 'withinLast', 'notWithinLast', 'isSet', 'isNotSet'],
  date: ['before', 'after', 'withinLast', 'notWithinLast', 'on', 'isSet', 'isNotSet'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'isSet', 'isNotSet'],
  boolean: ['isTrue', 'isFalse', 'isSet', 'isNotSet'],
} as const satisfies Record<FieldKind, readonly string[]>;

export type FilterOp = (typeof OPS)[FieldKind][number];

export const LIST_FIELDS = ['tag', 'sequence', 'otnTopic'] as const;
export const ENUM_FIELDS = ['channel', 'gender', 'language', 'locale', 'timezone', 'status'] as const;
export const TEXT_FIELDS = ['name', 'firstName', 'lastName', 'phone', 'email'] as const;
export const INSTANT_FIELDS = ['subscribedAt', 'lastInteractionAt', 'createdAt'] as const;
export const CUSTOM_FIELD_PREFIX = 'fields.';

const CUSTOM_KINDS: Record<FieldType, FieldKind> = {
  text: 'text',
  number: 'number',
  date: 'date',
  datetime: 'instant',
  boolean: 'boolean',
};

const SYSTEM_KINDS: ReadonlyMap<string, FieldKind> = new Map<string, FieldKind>([
  ...LIST_FIELDS.map((f) => [f, 'list'] as const),
  ...ENUM_FIELDS.map((f) => [f, 'enum'] as const),
  ...TEXT_FIELDS.map((f) => [f, 'text'] as const),
  ...INSTANT_FIELDS.map((f) => [f, 'instant'] as const),
]);

/** The custom field key of `fields.<key>`, or undefined for any other field name. */
export function customFieldKey(field: string): string | undefined {
  return field.startsWith(CUSTOM_FIELD_PREFIX) ? field.slice(CUSTOM_FIELD_PREFIX.length) : undefined;
}

/** The kind of a field name, or undefined when the bot has no such field. */
export function kindOf(field: string, fieldTypes: FieldTypes): FieldKind | undefined {
  const key = customFieldKey(field);
  if (key === undefined) return SYSTEM_KINDS.get(field);
  return Object.hasOwn(fieldTypes, key) ? CUSTOM_KINDS[fieldTypes[key]!] : undefined;
}

export function isGroup(node: FilterNode): node is FilterGroup {
  return 'all' in node || 'any' in node;
}

export function childrenOf(group: FilterGroup): readonly FilterNode[] {
  return 'all' in group ? group.all : group.any;
}
