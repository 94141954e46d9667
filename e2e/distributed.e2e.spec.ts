import { describeWhen, natsProbeFromSetup, natsUrl, waitFor } from '@roster/testing';
import { event } from './support/api';
import { listAll, rosterSuite } from './roster.suite';
import { startDistributed } from './support/deployment';

describeWhen(natsProbeFromSetup(), 'distributed mode over NATS', () => {
  rosterSuite('distributed', () => startDistributed(natsUrl()), (ctx) => {
    it('loses no event when the segmentation process is killed and started again', async () => {
      const { bot, deployment } = ctx();
      await deployment.kill!('segmentation');
      const events = Array.from({ length: 300 }, (_, i) => event({ channelUserId: `while-down-${i}`, occurredAt: '2026-11-24T10:00:00Z' }));
      for (let i = 0; i < events.length; i += 100) {
        const res = await bot.api.post(`/v1/bots/${bot.id}/events`, { events: events.slice(i, i + 100) });
        expect(res.json).toEqual({ accepted: 100, duplicates: 0 });
      }
      await deployment.start!('segmentation');
      const all = await waitFor(async () => {
        const users = await listAll(bot.api, bot.id);
        return users.filter((u) => u.channelUserId.startsWith('while-down-')).length === 300 ? users : undefined;
      }, { timeoutMs: 30_000, what: 'all 300 users after segmentation restarted' });
      const ids = all.map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
    }, 90_000);

    it('takes normalized events from channel connectors over JetStream, de-duplicated like the HTTP endpoint', async () => {
      const { bot, deployment } = ctx();
      const { connect } = await import('@nats-io/transport-node');
      const { jetstream } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: natsUrl() });
      try {
        const js = jetstream(nc);
        const subject = `${deployment.namespace}.ingest.${bot.id}`;
        const batch = { events: [event({ eventId: 'conn-1', channelUserId: 'connector-user' }), event({ eventId: 'conn-2', channelUserId: 'connector-user-2' })] };
        await js.publish(subject, JSON.stringify(batch), { msgID: 'batch-1' });
        await js.publish(subject, JSON.stringify(event({ eventId: 'conn-1', channelUserId: 'connector-user' })));
        await js.publish(subject, 'not json');
        const users = await waitFor(async () => {
          const all = await listAll(bot.api, bot.id);
          return all.filter((u) => u.channelUserId.startsWith('connector-user')).length === 2 ? all : undefined;
        }, { timeoutMs: 15_000, what: 'the connector users' });
        const connector = users.find((u) => u.channelUserId === 'connector-user');
        expect((await bot.api.get(`/v1/bots/${bot.id}/users/${connector.id}`)).json.version).toBe(1);
      } finally {
        await nc.close();
      }
    });
  });
});
