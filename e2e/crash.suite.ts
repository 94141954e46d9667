import { waitFor } from '@roster/testing';
import { Api, createBot, listAllUsers, type TestBot } from './support/api';
import type { Deployment } from './support/deployment';

/** Something to kill hard while events flow: the embedded process, or one service of the distributed deployment. */
export interface Victim {
  readonly name: string;
  /** Kills it (SIGKILL: no graceful stop, no last snapshot) and starts it again on the same data. */
  crash(deployment: Deployment): Promise<void>;
}

const USERS = 40;
const EVENTS_PER_USER = 8;
const BATCH = 20;
const IN_FLIGHT = 3;
const T0 = Date.parse('2026-11-20T08:00:00Z');

/**
 * targets.md T1: "nothing lost or doubled after killing any one service mid-run". A client sends every user's events
 * in order, a few batches in flight, and — as platforms do — sends a batch again until it gets a 2xx. Partway through,
 * the victim is killed hard and started again. Afterwards every user exists exactly once and every event is applied
 * exactly once: each user's history holds one creation, one interaction per later event and one `tag.added` per tag.
 */
export function crashSuite(mode: string, start: () => Promise<Deployment>, victims: readonly Victim[]): void {
  describe(`killing a service mid-run loses and doubles nothing (${mode})`, () => {
    let deployment: Deployment;
    let admin: Api;

    beforeAll(async () => {
      deployment = await start();
      admin = new Api(deployment.baseUrl, deployment.adminKey);
    }, 120_000);

    afterAll(async () => {
      await deployment?.stop();
    }, 60_000);

    for (const victim of victims) {
      it(`after ${victim.name} is killed`, async () => {
        const bot = await createBot(admin, `Crash ${victim.name}`);
        const rounds = eventRounds(victim.name);
        const total = rounds.flat().flat().length;
        let sent = 0;
        let crash: Promise<void> | undefined;
        const outcome = { accepted: 0, duplicates: 0 };
        for (const round of rounds) {
          // A user's k-th event goes out only after its (k-1)-th was accepted: each user's events arrive in order.
          await inParallel(round, IN_FLIGHT, async (batch) => {
            const result = await postUntilAccepted(bot, batch);
            outcome.accepted += result.accepted;
            outcome.duplicates += result.duplicates;
            sent += batch.length;
            if (!crash && sent >= total * 0.3) crash = victim.crash(deployment);
          });
        }
        await crash;

        // Every event was answered with a 2xx once its batch went through: accepted then, or a duplicate of an
        // earlier attempt whose answer was lost in the crash.
        expect(outcome.accepted + outcome.duplicates).toBe(total);
        expect(outcome.accepted).toBeLessThanOrEqual(total);

        const users = await waitFor(
          async () => {
            const all = await listAllUsers(bot.api, bot.id).catch(() => undefined);
            return all && all.length >= USERS && all.every((u) => u.tags.length === EVENTS_PER_USER - 1) ? all : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: `every user with all tags after ${victim.name} restarted` },
        );
        expect(users).toHaveLength(USERS);
        expect(new Set(users.map((u) => u.channelUserId)).size).toBe(USERS);

        for (const user of users) {
          const history = await bot.api.get(`/v1/bots/${bot.id}/users/${user.id}/history?limit=500`);
          expect(history.status).toBe(200);
          const changes = (history.json.items as { change: string }[]).map((item) => item.change);
          expect(countOf(changes, 'user.created')).toBe(1);
          expect(countOf(changes, 'tag.added')).toBe(EVENTS_PER_USER - 1);
          expect(countOf(changes, 'user.interacted')).toBe(EVENTS_PER_USER - 1);
          const index = Number(user.channelUserId.split('-').pop());
          expect(user.lastInteractionAt).toBe(new Date(occurredAt(index, EVENTS_PER_USER - 1)).toISOString());
        }
        // The test only proves something if the crash really cut requests off (or, at least, happened mid-run).
        expect(crash).toBeDefined();
      }, 180_000);
    }
  });
}

const occurredAt = (user: number, k: number) => T0 + user * 1_000 + k * 60_000;

/** Round k holds every user's k-th event, in batches: the first creates the user, later ones add tag `t<k>`. */
function eventRounds(run: string): object[][][] {
  const rounds: object[][][] = [];
  for (let k = 0; k < EVENTS_PER_USER; k++) {
    const events = Array.from({ length: USERS }, (_, user) => ({
      eventId: `crash-${run}-${user}-${k}`,
      type: k === 0 ? 'message.received' : 'tag.added',
      ...(k === 0 ? {} : { tag: `t${k}` }),
      channel: 'messenger',
      channelUserId: `crash-${run}-${user}`,
      occurredAt: new Date(occurredAt(user, k)).toISOString(),
    }));
    const batches: object[][] = [];
    for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
    rounds.push(batches);
  }
  return rounds;
}

/** Sends a batch until it gets a 2xx: a refused connection, a 5xx or a timeout while the victim is down is retried. */
async function postUntilAccepted(bot: TestBot, events: object[]): Promise<{ accepted: number; duplicates: number }> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await bot.api.post(`/v1/bots/${bot.id}/events`, { events }).catch(() => undefined);
    if (res && res.status === 202) return res.json;
    if (res && res.status >= 400 && res.status < 500) throw new Error(`the batch was refused: ${res.status} ${res.text}`);
    if (Date.now() > deadline) throw new Error(`the batch was not accepted within 90 s (last: ${res?.status ?? 'no answer'})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const countOf = (values: readonly string[], value: string) => values.filter((v) => v === value).length;
