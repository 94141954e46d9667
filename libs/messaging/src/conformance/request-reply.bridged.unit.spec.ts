import { MessageChannel } from 'node:worker_threads';
import { NestFactory } from '@nestjs/core';
import { waitFor } from '@roster/testing';
import { InProcessBroker } from '../inprocess/broker';
import { BrokerBridge } from '../inprocess/broker-bridge';
import { InProcessClient } from '../inprocess/client';
import { InProcessServer } from '../inprocess/server';
import { requestReplyConformance } from './request-reply.conformance';

/**
 * The in-process transport as embedded mode's threads use it: the handlers on one broker, the client on another,
 * joined by a `BrokerBridge` over a port (replies cross as JSON text).
 */
requestReplyConformance('in-process transport across a bridge', async () => {
  const { port1, port2 } = new MessageChannel();
  const client = new InProcessBroker();
  const server = new InProcessBroker();
  const bridges = [new BrokerBridge(client, port1), new BrokerBridge(server, port2)];
  return {
    serve: async (module) => {
      const app = await NestFactory.createMicroservice(module, { strategy: new InProcessServer(server), logger: false });
      await app.listen();
      await waitFor(() => server.answeredSubjects().every((subject) => client.hasResponder(subject)), { what: 'the subjects announced over the bridge' });
      return { close: () => app.close() };
    },
    client: () => new InProcessClient(client),
    close: async () => {
      for (const bridge of bridges) bridge.close();
    },
  };
});
