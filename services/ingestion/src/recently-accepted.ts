import { Inject, Injectable, Optional } from '@nestjs/common';
import type { InboundAccepted } from '@roster/contracts';
import { LRUCache } from 'lru-cache';

/** Enough for the batches in flight between an append and its delivery; older entries are decoded from the store. */
const CAPACITY = 20_000;
/**
 * Injection token of another bound. Nothing provides it (the default holds); it is there because the constructor
 * takes the bound as a number, which Nest cannot inject by type. Tests construct the class directly.
 */
export const RECENTLY_ACCEPTED_LIMIT = Symbol('RECENTLY_ACCEPTED_LIMIT');

/**
 * The plain data of the `InboundEventAccepted` events this process has just recorded, by event id, for its
 * `InboundProcessor`: decrypting what had been encrypted a moment before took about a tenth of the main thread's CPU
 * in embedded mode (bench/ingest, docs/benchmarks.md). Each entry is taken once, by the first delivery of its event;
 * an event not found here (redelivered, recorded before a restart or by another process, or evicted: the oldest go
 * first) is decoded from the store as before, so this only saves work and never decides what is delivered.
 *
 * lru-cache, not a Map evicting its first key: V8 keeps a deleted Map entry's slot until the table is rebuilt, so
 * `keys().next()` walked every slot taken or evicted before it — 17 % of the ingestion thread while bench/search
 * loaded 1M users and the processor was more than `capacity` events behind (every accept evicted; 2026-12-05).
 * Nothing reads an entry without taking it, so least recently used is oldest recorded.
 *
 * Personal data stays in memory only while an event waits for the processor (usually well under a second). Erasure
 * must call `forgetUser` in the ingestion process (like `PiiCodec.forget`), so nothing decrypted outlives the key.
 */
@Injectable()
export class RecentlyAccepted {
  private readonly entries: LRUCache<string, InboundAccepted>;

  constructor(@Optional() @Inject(RECENTLY_ACCEPTED_LIMIT) capacity: number = CAPACITY) {
    this.entries = new LRUCache({ max: capacity });
  }

  remember(eventId: string, data: InboundAccepted): void {
    this.entries.set(eventId, data);
  }

  take(eventId: string): InboundAccepted | undefined {
    const data = this.entries.get(eventId);
    if (data !== undefined) this.entries.delete(eventId);
    return data;
  }

  forgetUser(userId: string): void {
    const theirs: string[] = [];
    for (const [eventId, data] of this.entries.entries()) if (data.userId === userId) theirs.push(eventId);
    for (const eventId of theirs) this.entries.delete(eventId);
  }

  get size(): number {
    return this.entries.size;
  }
}
