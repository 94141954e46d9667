import { EmbeddedReadStore, type Collection, type Doc } from '@roster/readstore';
import { ActiveWalks } from './active-walks';
import { withWalkKeys, type WalkableUserDoc } from './domain/search-keys';
import type { UserListDoc } from './domain/user-list-doc';
import type { FieldDefinitionsProjection } from './field-definitions.projection';
import { SearchService } from './search.service';
import { USER_LIST_INDEXES, type UserListProjection } from './user-list.projection';

const BOT = 'b1';
const doc = (n: number, lastInteractionAt: string): UserListDoc =>
  ({
    id: `u${n}`, botId: BOT, channel: 'sms', channelUserId: `+31${n}`, name: `User ${n}`, fullName: null, firstName: `User`, lastName: `${n}`,
    gender: null, language: null, locale: null, timezone: null, profilePicUrl: null, phone: null, email: null, status: 'subscribed',
    subscribedAt: null, lastInteractionAt, createdAt: lastInteractionAt, tags: n % 2 === 0 ? ['even'] : [], fields: {}, fieldTypes: {},
    sequences: [], otnTopics: [],
  }) as UserListDoc;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();

/**
 * The search walk over a real embedded collection, the projection reduced to what the service reads of it (its
 * collection and position): the projection's own part is user-list.projection.int.spec.ts, the walk end to end
 * e2e/segmentation.suite.ts.
 */
describe('SearchService: the find of moved users', () => {
  let users: Collection<UserListDoc & Doc>;
  let position: bigint;
  let service: SearchService;
  let finds: number;

  /** Applies a document at the next position, as the projection does (walk keys kept for any snapshot). */
  async function put(next: UserListDoc): Promise<bigint> {
    const previous = (await users.get(next.id)) as unknown as WalkableUserDoc | undefined;
    position++;
    await users.upsert(withWalkKeys(previous, next, position) as unknown as UserListDoc & Doc, position);
    return position;
  }

  beforeEach(async () => {
    users = new EmbeddedReadStore().collection<UserListDoc & Doc>('users');
    await users.ensureIndexes(USER_LIST_INDEXES);
    position = 0n;
    for (let n = 1; n <= 10; n++) await put(doc(n, at(n)));
    const find = users.find.bind(users);
    finds = 0;
    users.find = (query) => {
      finds++;
      return find(query);
    };
    service = reporting(() => position);
  });

  /** The service over `users`, the list reporting `reported()` as its position; no custom fields. */
  const reporting = (reported: () => bigint) =>
    new SearchService(
      { users, currentPosition: async () => reported() } as unknown as UserListProjection,
      { typesOf: async () => ({}) } as unknown as FieldDefinitionsProjection,
      new ActiveWalks(),
    );

  const newest = { by: 'lastInteractionAt', order: 'desc' } as const;
  const even = { all: [{ field: 'tag', op: 'hasAny', value: ['even'] }] };
  const ids = (items: readonly { id: string }[]) => items.map((u) => u.id);

  it('is not asked when nobody moved after the walk began: one find a page', async () => {
    const first = await service.search(BOT, undefined, newest, 3);
    expect(ids(first.items)).toEqual(['u10', 'u9', 'u8']);
    expect(finds).toBe(1);
    const second = await service.search(BOT, undefined, newest, 3, first.nextCursor!);
    expect(ids(second.items)).toEqual(['u7', 'u6', 'u5']);
    expect(finds).toBe(2);
  });

  it('places a user who moved during the walk where it stood when the walk began, once', async () => {
    const first = await service.search(BOT, even, newest, 2);
    expect(ids(first.items)).toEqual(['u10', 'u8']);
    // u4, not yet seen, jumps to the top; u10, already seen, too.
    await put(doc(4, at(100)));
    await put(doc(10, at(101)));
    const rest = await service.search(BOT, even, newest, 2, first.nextCursor!);
    expect(ids(rest.items)).toEqual(['u6', 'u4']);
    expect(finds).toBe(3);
    const last = await service.search(BOT, even, newest, 2, rest.nextCursor!);
    expect(ids(last.items)).toEqual(['u2']);
    expect(last.nextCursor).toBeNull();
  });

  it('is asked at a first page when a user moved past the position the list reports (a batch being applied)', async () => {
    // The projection upserts a batch's documents before it reports the batch's position: a walk that begins
    // meanwhile takes the earlier position, and a user already moved past it is placed by its key at that position.
    const reported = position;
    await put(doc(3, at(100)));
    service = reporting(() => reported);
    finds = 0;
    const first = await service.search(BOT, undefined, { by: 'lastInteractionAt', order: 'asc' }, 4);
    expect(ids(first.items)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(finds).toBe(2);
  });
});
