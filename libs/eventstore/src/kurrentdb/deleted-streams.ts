import { StreamDeletedError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '../port';

/** Larger than any revision: every event of the stream is gone. */
export const WHOLE_STREAM = 2n ** 64n;

/**
 * KurrentDB keeps the events of a deleted stream in $all until a scavenge rewrites the chunks; only reads of the
 * stream itself honour the deletion at once. The port promises that a deleted stream is gone, so readers of $all ask
 * the stream's metadata (`$tb`, "truncate before") which of its events are still alive.
 */
export class DeletedStreamFilter {
  constructor(
    private readonly client: KurrentDBClient,
    private readonly concurrency = 16,
  ) {}

  async keepLive(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    if (events.length === 0) return [];
    const streams = [...new Set(events.map((event) => event.streamName))];
    const cutoffs = new Map<string, bigint>();
    let next = 0;
    const worker = async () => {
      while (next < streams.length) {
        const stream = streams[next++]!;
        const cutoff = await this.cutoff(stream);
        if (cutoff > 0n) cutoffs.set(stream, cutoff);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, streams.length) }, worker));
    return events.filter((event) => event.revision >= (cutoffs.get(event.streamName) ?? 0n));
  }

  private async cutoff(stream: string): Promise<bigint> {
    try {
      const { metadata } = await this.client.getStreamMetadata(stream);
      return truncateBefore(metadata?.truncateBefore);
    } catch (error) {
      if (error instanceof StreamDeletedError) return WHOLE_STREAM;
      throw error;
    }
  }
}

/**
 * First live revision according to a `$tb` value. A soft delete writes long.MaxValue, which JSON numbers cannot hold
 * exactly; the server replaces it with the real revision once the stream is written again.
 */
export function truncateBefore(value: unknown): bigint {
  if (value === undefined || value === null || value === 'start') return 0n;
  if (value === 'end') return WHOLE_STREAM;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return WHOLE_STREAM;
    return value > 0 ? BigInt(value) : 0n;
  }
  return 0n;
}
