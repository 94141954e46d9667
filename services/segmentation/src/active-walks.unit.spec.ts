import { ActiveWalks, WALK_IDLE_MS } from './active-walks';

describe('ActiveWalks', () => {
  it('lists the snapshots of walks in progress, ascending, each once', () => {
    const walks = new ActiveWalks();
    walks.touch('00000000000000000030', 1_000);
    walks.touch('00000000000000000010', 1_000);
    walks.touch('00000000000000000030', 2_000);
    expect(walks.inProgress(3_000)).toEqual(['00000000000000000010', '00000000000000000030']);
  });

  it('forgets a walk idle for longer than WALK_IDLE_MS, and keeps one whose latest page is recent', () => {
    const walks = new ActiveWalks();
    walks.touch('00000000000000000010', 0);
    walks.touch('00000000000000000020', 0);
    walks.touch('00000000000000000020', WALK_IDLE_MS);
    expect(walks.inProgress(WALK_IDLE_MS)).toEqual(['00000000000000000010', '00000000000000000020']);
    expect(walks.inProgress(WALK_IDLE_MS + 1)).toEqual(['00000000000000000020']);
    expect(walks.inProgress(2 * WALK_IDLE_MS + 1)).toEqual([]);
  });
});
