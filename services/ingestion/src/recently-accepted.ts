import { Inject, Injectable, Optional } from '@nestjs/common';
import type { InboundAccepted } from '@roster/contracts';
import { LRUCache } from 'lru-cache';

/** Enough for the batches in flight between an append and its delivery; older entries are decoded from the store. */
const CAPACITY = 20_000;

/** How intake waits for this process's `InboundProcessor` (`roomFor`). */
export interface IntakePacing {
  /** A batch waits while more events than this wait for the processor: below `CAPACITY`, so none of them is evicted. */
  readonly pendingLimit: number;
  /** The longest a batch waits; then it is recorded anyway. */
  readonly maxWaitMs: number;
  /** A processor that took nothing for this long is stalled (e.g. user-profile unreachable): intake does not wait on it. */
  readonly stallMs: number;
  readonly now: () => number;
}

const PACING: IntakePacing = { pendingLimit: 12_000, maxWaitMs: 1_000, stallMs: 1_000, now: () => performance.now() };
export const INTAKE_PACING = Symbol('INTAKE_PACING');
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
 *
 * **Intake waits for the processor** (`roomFor`, since 2026-12-06): a batch waits, at most `maxWaitMs`, while more
 * than `pendingLimit` recorded events wait here. Without it a flood of posts took the ingestion thread from the
 * processor (both run there): at 200k events / 50k users the processor applied ~4,400 events/s while 10,900/s were
 * accepted, user-profile and segmentation idled half of the posts, the rest waited for a catch-up in which every
 * event had been evicted from here and was decrypted again (docs/benchmarks.md, 2026-12-06). Only while the processor
 * is taking events: one that took nothing for `stallMs` is stalled, and intake must keep recording durably (nothing
 * accepted is lost) — it then waits for nobody. One processor per process (one durable consumer per name,
 * docs/architecture.md), so what waits here is exactly this process's backlog.
 */
@Injectable()
export class RecentlyAccepted {
  private readonly entries: LRUCache<string, InboundAccepted>;
  private readonly pacing: IntakePacing;
  /** When the processor last took events (`take`), in `pacing.now()` time; -Infinity: never. */
  private lastTake = Number.NEGATIVE_INFINITY;
  /** Batches waiting for room, in arrival order. */
  private waiting: { readonly count: number; readonly go: () => void }[] = [];

  constructor(
    @Optional() @Inject(RECENTLY_ACCEPTED_LIMIT) capacity: number = CAPACITY,
    @Optional() @Inject(INTAKE_PACING) pacing: Partial<IntakePacing> = {},
  ) {
    this.entries = new LRUCache({ max: capacity });
    this.pacing = { ...PACING, ...pacing };
  }

  /**
   * Resolves when a batch of `count` events may be recorded: at once while the events waiting for the processor and
   * these stay within `pendingLimit`, or the processor is stalled; else once takes make room, or after `maxWaitMs`.
   * Answers how long it waited (ms).
   */
  async roomFor(count: number): Promise<number> {
    const { pendingLimit, maxWaitMs, stallMs, now } = this.pacing;
    const start = now();
    if (fits(this.entries.size, count, pendingLimit) || start - this.lastTake > stallMs) return 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w.go !== go);
        resolve();
      }, maxWaitMs);
      timer.unref?.();
      const go = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.push({ count, go });
    });
    return now() - start;
  }

  remember(eventId: string, data: InboundAccepted): void {
    this.entries.set(eventId, data);
  }

  take(eventId: string): InboundAccepted | undefined {
    const data = this.entries.get(eventId);
    if (data !== undefined) this.entries.delete(eventId);
    this.lastTake = this.pacing.now();
    if (this.waiting.length > 0) this.letIn();
    return data;
  }

  /** Lets waiting batches go, first come first, while they fit within `pendingLimit` together. */
  private letIn(): void {
    let pending = this.entries.size;
    let admitted = 0;
    while (admitted < this.waiting.length && fits(pending, this.waiting[admitted]!.count, this.pacing.pendingLimit)) {
      pending += this.waiting[admitted]!.count;
      admitted++;
    }
    for (const w of this.waiting.splice(0, admitted)) w.go();
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

/** A batch fits when it stays within the limit with what waits, or nothing waits (a batch larger than the limit). */
const fits = (pending: number, count: number, limit: number) => pending === 0 || pending + count <= limit;
