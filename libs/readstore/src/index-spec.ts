import { fieldPathProblem } from './filter/validate-filter';
import { ReadStoreError, type IndexSpec } from './port';

export function assertIndexSpec(spec: IndexSpec): void {
  const valid =
    typeof spec.name === 'string' &&
    spec.name !== '' &&
    spec.fields.length > 0 &&
    spec.fields.every(([field, direction]) => !fieldPathProblem(field) && (direction === 1 || direction === -1));
  if (!valid) throw new ReadStoreError(`index "${String(spec.name)}" needs a name and valid fields with 1 or -1`);
}
