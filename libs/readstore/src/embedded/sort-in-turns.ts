const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Awaited between steps of work spread over turns: true when the work is to be abandoned. */
export type Pause = () => Promise<boolean>;

/** A `Pause` that yields to the event loop once `turnMs` have passed since the last yield, then asks `cancelled`. */
export function turnPause(turnMs: number, cancelled: () => boolean): Pause {
  let deadline = performance.now() + turnMs;
  return async () => {
    if (performance.now() < deadline) return false;
    await nextTurn();
    deadline = performance.now() + turnMs;
    return cancelled();
  };
}

/** Runs sorted at once before merging: a few milliseconds each. */
const RUN = 4096;

/**
 * Sorts `items` by `before` (a strict order) without holding the event loop for more than about `turnMs` at a time:
 * runs of 4,096 are sorted natively, then merged bottom-up, yielding whenever the time is up. Resolves to the sorted
 * items (a new array, or `items` itself), or to undefined as soon as `cancelled()` says so at a yield.
 */
export async function sortInTurns<V>(items: V[], before: (a: V, b: V) => boolean, turnMs: number, cancelled: () => boolean): Promise<V[] | undefined> {
  const n = items.length;
  const compare = (a: V, b: V) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);
  let deadline = performance.now() + turnMs;
  /** True when the sort is to stop. */
  const pause = async (): Promise<boolean> => {
    if (performance.now() < deadline) return false;
    await nextTurn();
    deadline = performance.now() + turnMs;
    return cancelled();
  };
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    const run = items.slice(lo, hi).sort(compare);
    for (let i = lo; i < hi; i++) items[i] = run[i - lo]!;
    if (await pause()) return undefined;
  }
  let source = items;
  let target = new Array<V>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        target[k] = i < mid && (j >= hi || !before(source[j]!, source[i]!)) ? source[i++]! : source[j++]!;
        if ((k & 4095) === 4095 && (await pause())) return undefined;
      }
    }
    [source, target] = [target, source];
  }
  return source;
}
