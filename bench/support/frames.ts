import { basename } from 'node:path';

/** A V8 profile node's call frame (CPU and sampling heap profiles share it). */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

/** `name file.js:line` (1-based), as bench/profile-top prints frames and as its `--under` accepts them. */
export function frameLabel(frame: CallFrame): string {
  return frame.url ? `${frame.functionName || '(anonymous)'} ${basename(frame.url)}:${frame.lineNumber + 1}` : frame.functionName;
}
