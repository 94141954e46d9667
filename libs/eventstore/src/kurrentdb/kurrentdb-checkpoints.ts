import {
  BACKWARDS,
  END,
  StreamNotFoundError,
  jsonEvent,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import { EventStoreError } from '../port';
import { INTERNAL_STREAM_PREFIX } from './kurrentdb-mapping';

const CHECKPOINT_TYPE = 'roster.CheckpointStored.v1';

interface CheckpointData {
  readonly position: string;
}

/**
 * One stream per checkpoint; the newest event wins. `$maxCount: 1` lets a scavenge drop the older ones, so a relay
 * that checkpoints often does not grow the store without bound.
 */
export class KurrentDbCheckpoints {
  readonly #limited = new Set<string>();

  constructor(private readonly client: KurrentDBClient) {}

  async read(name: string): Promise<bigint | undefined> {
    const stream = checkpointStream(name);
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        const data = resolved.event?.data;
        if (isCheckpointData(data)) return BigInt(data.position);
        throw new EventStoreError(`checkpoint ${name}: the stored event is not a checkpoint`);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  async write(name: string, position: bigint): Promise<void> {
    if (typeof position !== 'bigint') throw new EventStoreError(`checkpoint ${name}: position must be a bigint`);
    const stream = checkpointStream(name);
    if (!this.#limited.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
      this.#limited.add(stream);
    }
    const data: CheckpointData = { position: position.toString() };
    await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_TYPE, data: { ...data } }));
  }
}

export function checkpointStream(name: string): string {
  if (name.length === 0) throw new EventStoreError('a checkpoint needs a name');
  return `${INTERNAL_STREAM_PREFIX}checkpoint-${name}`;
}

function isCheckpointData(value: unknown): value is CheckpointData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { position?: unknown }).position === 'string' &&
    /^\d+$/.test((value as { position: string }).position)
  );
}
