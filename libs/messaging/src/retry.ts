/** Delay before retry number `attempt` (1-based): doubling from `firstMs`, capped, so a poison batch cannot spin. */
export function backoffMs(attempt: number, firstMs = 100, maxMs = 5000): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(attempt - 1, 16));
}

/** Resolves after `ms`, or earlier when `signal` aborts (stopping must not wait out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
