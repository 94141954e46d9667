import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  let db: Database.Database;
  let commits: number;
  let writes: GroupCommit;
  const count = () => db.prepare('SELECT COUNT(*) FROM rows').pluck().get();
  const insert = (name: string) => () => void db.prepare('INSERT INTO rows (name) VALUES (?)').run(name);

  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE rows (name TEXT NOT NULL)');
    commits = 0;
    writes = new GroupCommit(db, 100, () => commits++);
  });
  afterEach(() => db.close());

  it('commits the writes of one turn of the event loop together, once', async () => {
    await Promise.all([writes.submit(insert('a')), writes.submit(insert('b')), writes.submit(insert('c'))]);

    expect(count()).toBe(3);
    expect(commits).toBe(1);
  });

  it('fails a unit that throws before writing alone', async () => {
    const refused = new Error('refused before writing');
    const outcomes = await Promise.allSettled([
      writes.submit(insert('a')),
      writes.submit(() => {
        throw refused;
      }),
      writes.submit(insert('c')),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(count()).toBe(2);
  });

  it('rolls back the whole commit when a unit throws after writing', async () => {
    const broken = new Error('failed half-way');
    const outcomes = await Promise.allSettled([
      writes.submit(insert('a')),
      writes.submit(() => {
        insert('b')();
        throw broken;
      }),
      writes.submit(insert('c')),
    ]);

    expect(outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason)).toEqual([broken, broken, broken]);
    expect(count()).toBe(0);
  });

  it('splits a large backlog into several commits by weight', async () => {
    await Promise.all(Array.from({ length: 5 }, (_, i) => writes.submit(insert(`row-${i}`), 60)));

    expect(count()).toBe(5);
    expect(commits).toBe(5);
  });

  it('finishes what was submitted on close, then refuses more', async () => {
    const pending = writes.submit(insert('a'));
    await writes.close();

    await expect(pending).resolves.toBeUndefined();
    await expect(writes.submit(insert('b'))).rejects.toThrow('closed');
    expect(count()).toBe(1);
  });
});
