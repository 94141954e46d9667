export type { Filter, FilterGroup, FilterNode, FilterCondition, FilterOp, FieldKind, FieldTypes } from './filter';
export { OPS, kindOf } from './filter';
export { parseFilter, MATCH_ALL, MAX_DEPTH, MAX_CONDITIONS, type FilterError, type ParsedFilter } from './parse-filter';
export { compileFilter } from './compile-filter';
export { matchesReference, type ReferenceUser } from './reference';
export { parseDuration, subtractDuration, type Duration } from './duration';
