import { NestFactory } from '@nestjs/core';
import { InProcessBroker } from '../inprocess/broker';
import { InProcessClient } from '../inprocess/client';
import { InProcessServer } from '../inprocess/server';
import { requestReplyConformance } from './request-reply.conformance';

requestReplyConformance('in-process transport', async () => {
  const broker = new InProcessBroker();
  return {
    serve: async (module) => {
      const app = await NestFactory.createMicroservice(module, { strategy: new InProcessServer(broker), logger: false });
      await app.listen();
      return { close: () => app.close() };
    },
    client: () => new InProcessClient(broker),
    close: async () => undefined,
  };
});
