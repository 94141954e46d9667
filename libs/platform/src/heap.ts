import { setFlagsFromString } from 'node:v8';
import type { RosterConfig } from './config';

/**
 * Applies the process-wide V8 heap settings of the configuration (`ROSTER_HEAP_GROWING_PERCENT`). Call it first
 * thing, before worker threads start: V8 flags are global, so the workers' heaps follow it too, and V8 reads the
 * growing factor afresh after each full collection, so the main thread's heap follows from its next one. Returns the
 * flags it set (for the start log).
 */
export function applyHeapSettings(config: Pick<RosterConfig, 'heapGrowingPercent'>, setFlags: (flags: string) => void = setFlagsFromString): string[] {
  const flags = config.heapGrowingPercent > 0 ? [`--heap-growing-percent=${config.heapGrowingPercent}`] : [];
  for (const flag of flags) setFlags(flag);
  return flags;
}
