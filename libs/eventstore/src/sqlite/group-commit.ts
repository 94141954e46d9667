import type Database from 'better-sqlite3';
import { EventStoreError } from '../port';

/**
 * One unit of work, run inside the shared transaction. A unit must throw before it writes anything (check, then
 * write): its neighbours' rows are in the same transaction, so half-written rows cannot be taken out alone.
 */
export type WriteUnit<T> = (recordedAt: string) => T;

interface Pending {
  readonly unit: WriteUnit<unknown>;
  readonly weight: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Group commit: every write submitted before the next turn of the event loop is applied in ONE transaction, so the
 * cost of a commit (fsync with synchronous=FULL, the WAL append with NORMAL) is shared by all of them. A unit that
 * throws before writing fails alone and its neighbours commit. One that throws after writing (an I/O error, a broken
 * unit) rolls the whole transaction back and fails every unit of it: nothing half-done is ever committed.
 *
 * Not savepoints per unit: SQLite copies every page a savepoint touches into a sub-journal first, which cost ~20% of
 * the throughput of large appends (measured).
 */
export class GroupCommit {
  readonly #queue: Pending[] = [];
  readonly #commitBatch: Database.Transaction<(batch: readonly Pending[]) => Outcome[]>;
  readonly #totalChanges: Database.Statement<[], number>;
  #scheduled = false;
  #closed = false;
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    db: Database.Database,
    private readonly maxWeightPerCommit: number,
    private readonly afterCommit: () => void,
  ) {
    this.#totalChanges = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.#commitBatch = db.transaction((batch: readonly Pending[]) => {
      const recordedAt = new Date().toISOString();
      return batch.map((pending): Outcome => {
        const changesBefore = this.#totalChanges.get();
        try {
          return { ok: true, value: pending.unit(recordedAt) };
        } catch (error) {
          if (this.#totalChanges.get() !== changesBefore) throw error;
          return { ok: false, error };
        }
      });
    });
  }

  /** `weight` is roughly the number of rows the unit writes; it bounds how long one commit blocks the event loop. */
  submit<T>(unit: WriteUnit<T>, weight = 1): Promise<T> {
    if (this.#closed) return Promise.reject(new EventStoreError('the event store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ unit, weight: Math.max(1, weight), resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Refuses new writes and resolves once everything already submitted has been committed or failed. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#queue.length === 0) return Promise.resolve();
    this.#idle ??= withResolvers();
    return this.#idle.promise;
  }

  private schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate rather than a microtask: writers that resume from different promise chains in this turn still
    // land in the same commit.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.#scheduled = false;
    const batch = this.takeBatch();
    if (this.#queue.length > 0) this.schedule();
    let outcomes: Outcome[];
    try {
      outcomes = this.#commitBatch.immediate(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      this.settleIdle();
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(outcome.error);
    }
    this.afterCommit();
    this.settleIdle();
  }

  private takeBatch(): Pending[] {
    let weight = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || weight + this.#queue[count]!.weight <= this.maxWeightPerCommit)) {
      weight += this.#queue[count]!.weight;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  private settleIdle(): void {
    if (this.#queue.length === 0 && this.#idle) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
