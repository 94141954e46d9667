import type { DeliveryHandler } from './port';

/** One consumer with several sources still sees one batch at a time, as a projection expects. */
export function oneBatchAtATime(handler: DeliveryHandler): DeliveryHandler {
  let tail: Promise<unknown> = Promise.resolve();
  return (events) => {
    const run = tail.then(() => handler(events));
    tail = run.catch(() => undefined);
    return run;
  };
}
