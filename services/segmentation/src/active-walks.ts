import { Injectable } from '@nestjs/common';

/** A walk whose last page is older than this no longer holds back the pruning of earlier sort keys. */
export const WALK_IDLE_MS = 15 * 60_000;
/** At most this many distinct walk snapshots are remembered (the oldest is forgotten first). */
const MAX_WALKS = 10_000;

/**
 * The snapshots of the keyset walks in progress in this process (search.service.ts), so that the user-list
 * projection keeps each document's earlier sort keys exactly as long as some walk may ask for them, instead of
 * keeping them on every document for good. A walk counts as in progress for `WALK_IDLE_MS` after each page.
 * Exactly-once therefore holds for walks whose pages come less than 15 minutes apart within one process lifetime;
 * a walk resumed after a restart is placed with the keys still remembered.
 */
@Injectable()
export class ActiveWalks {
  /** Snapshot position (20-digit string) → time of the walk's latest page (ms). Insertion order = first seen. */
  private readonly walks = new Map<string, number>();

  touch(snapshot: string, now = Date.now()): void {
    this.walks.delete(snapshot);
    this.walks.set(snapshot, now);
    if (this.walks.size > MAX_WALKS) this.walks.delete(this.walks.keys().next().value!);
  }

  /** The snapshots of the walks still in progress, ascending (forgetting the walks idle for too long). */
  inProgress(now = Date.now()): string[] {
    const snapshots: string[] = [];
    for (const [snapshot, seen] of this.walks) {
      if (now - seen > WALK_IDLE_MS) this.walks.delete(snapshot);
      else snapshots.push(snapshot);
    }
    return snapshots.sort();
  }
}
