import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { describeWhen, natsProbeFromSetup, natsUrl } from '@roster/testing';
import { natsClientOptions, natsServerOptions } from '../nats/nats-transport';
import { requestReplyConformance } from './request-reply.conformance';

describeWhen(natsProbeFromSetup(), 'NATS transport', () => {
  requestReplyConformance('NATS transport', async () => {
    const service = `conf-${randomUUID().slice(0, 8)}`;
    const clients: ClientProxy[] = [];
    return {
      serve: async (module) => {
        const options = natsServerOptions({ url: natsUrl(), service, gracePeriodMs: 0 });
        const app = await NestFactory.createMicroservice(module, { ...options, logger: false });
        await app.listen();
        return { close: () => app.close() };
      },
      client: () => {
        const client = ClientProxyFactory.create(natsClientOptions({ url: natsUrl(), service }));
        clients.push(client);
        return client;
      },
      close: async () => {
        await Promise.all(clients.map((c) => c.close()));
      },
    };
  });
});
