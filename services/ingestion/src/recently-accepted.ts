import { Injectable } from '@nestjs/common';
import type { InboundAccepted } from '@roster/contracts';

/** Enough for the batches in flight between an append and its delivery; older entries are decoded from the store. */
const CAPACITY = 20_000;

/**
 * The plain data of the `InboundEventAccepted` events this process has just recorded, by event id, for its
 * `InboundProcessor`: decrypting what had been encrypted a moment before took about a tenth of the main thread's CPU
 * in embedded mode (bench/ingest, docs/benchmarks.md). Each entry is taken once, by the first delivery of its event;
 * an event not found here (redelivered, recorded before a restart or by another process, or evicted: the oldest go
 * first) is decoded from the store as before, so this only saves work and never decides what is delivered.
 *
 * Personal data stays in memory only while an event waits for the processor (usually well under a second). Erasure
 * must call `forgetUser` in the ingestion process (like `PiiCodec.forget`), so nothing decrypted outlives the key.
 */
@Injectable()
export class RecentlyAccepted {
  private readonly entries = new Map<string, InboundAccepted>();

  remember(eventId: string, data: InboundAccepted): void {
    this.entries.set(eventId, data);
    if (this.entries.size > CAPACITY) this.entries.delete(this.entries.keys().next().value!);
  }

  take(eventId: string): InboundAccepted | undefined {
    const data = this.entries.get(eventId);
    if (data !== undefined) this.entries.delete(eventId);
    return data;
  }

  forgetUser(userId: string): void {
    for (const [eventId, data] of this.entries) if (data.userId === userId) this.entries.delete(eventId);
  }

  get size(): number {
    return this.entries.size;
  }
}
