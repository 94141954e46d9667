import { StreamDeletedError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '../port';
import { DeletedStreamFilter, WHOLE_STREAM, truncateBefore } from './deleted-streams';

const event = (streamName: string, revision: bigint): RecordedEvent => ({
  id: `${streamName}-${revision}`,
  type: 't.v1',
  streamName,
  revision,
  position: revision,
  data: null,
  metadata: {},
  recordedAt: '2026-11-25T10:00:00.000Z',
});

function clientWith(metadata: Record<string, () => Promise<unknown>>): { client: KurrentDBClient; asked: string[] } {
  const asked: string[] = [];
  const client = {
    getStreamMetadata: async (stream: string) => {
      asked.push(stream);
      return { streamName: stream, metadata: await (metadata[stream] ?? (async () => undefined))() };
    },
  } as unknown as KurrentDBClient;
  return { client, asked };
}

describe('DeletedStreamFilter', () => {
  it('reads $tb: nothing, a revision, the soft-delete marker (long.MaxValue) or end', () => {
    expect(truncateBefore(undefined)).toBe(0n);
    expect(truncateBefore(3)).toBe(3n);
    expect(truncateBefore(9223372036854775807)).toBe(WHOLE_STREAM);
    expect(truncateBefore('end')).toBe(WHOLE_STREAM);
  });

  it('keeps live events and drops those before each stream truncation, asking once per stream', async () => {
    const { client, asked } = clientWith({
      deleted: async () => ({ truncateBefore: 9223372036854775807 }),
      restarted: async () => ({ truncateBefore: 2 }),
      tombstoned: async () => {
        throw StreamDeletedError.fromStreamName('$$tombstoned');
      },
    });
    const events = [
      event('live', 0n),
      event('deleted', 0n),
      event('restarted', 1n),
      event('tombstoned', 0n),
      event('restarted', 2n),
      event('live', 1n),
    ];

    const kept = await new DeletedStreamFilter(client, 2).keepLive(events);

    expect(kept.map((e) => e.id)).toEqual(['live-0', 'restarted-2', 'live-1']);
    expect(asked.sort()).toEqual(['deleted', 'live', 'restarted', 'tombstoned']);
  });

  it('lets other failures through, so that a reader retries instead of skipping events', async () => {
    const { client } = clientWith({
      s: async () => {
        throw new Error('unavailable');
      },
    });
    await expect(new DeletedStreamFilter(client).keepLive([event('s', 0n)])).rejects.toThrow('unavailable');
  });
});
