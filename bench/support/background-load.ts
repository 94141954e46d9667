import type { Poster } from './http-poster';
import { sampler, TAG_WEIGHTS } from './search-shapes';

/**
 * bench/search's background ingestion (bench/background runs it alone): `rate / 10` events every 100 ms on random
 * existing users `u0 … u<users - 1>` — interactions, one in ten a tag (the load's skewed pool), one in ten a score.
 * Ticks fire on the clock whether or not earlier posts have been answered (at most 10 in flight, beyond that a tick is
 * skipped and counted), so a saturated server shows as a lower achieved rate rather than a slower schedule.
 */
export function backgroundLoad(api: Poster, botId: string, run: string, options: { users: number; rate: number; rand: () => number }) {
  const { users, rate, rand } = options;
  const { weighted } = sampler(rand);
  let sent = 0;
  let failures = 0;
  let skipped = 0;
  let inFlight = 0;
  let tick = 0;
  const pending = new Set<Promise<void>>();
  const perTick = Math.round(rate / 10);
  const started = Date.now();
  const timer = setInterval(() => {
    if (perTick === 0) return;
    if (inFlight >= 10) return void skipped++;
    const occurredAt = new Date().toISOString();
    const t = tick++;
    const events = Array.from({ length: perTick }, (_, j) => {
      const user = `u${Math.floor(rand() * users)}`;
      const base = { eventId: `${run}-bg-${t}-${j}`, channel: 'messenger', channelUserId: user, occurredAt };
      const r = rand();
      if (r < 0.1) return { ...base, type: 'tag.added', tag: weighted(TAG_WEIGHTS) };
      if (r < 0.2) return { ...base, type: 'field.set', key: 'score', value: Math.floor(rand() * 1000) / 10 };
      return { ...base, type: 'message.received' };
    });
    inFlight++;
    const p: Promise<void> = api
      .post(`/v1/bots/${botId}/events`, { events })
      .then(
        (res) => void (res.status === 202 ? (sent += res.json.accepted) : failures++),
        () => void failures++,
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  }, 100);
  return {
    /** Stops the ticks and waits for the posts in flight; `rate` is the events accepted per second. */
    async stop() {
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      await Promise.all(pending);
      return { sent, failures, skipped, rate: sent / seconds };
    },
  };
}
