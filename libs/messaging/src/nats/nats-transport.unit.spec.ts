import { SubscribedNatsServer, natsServerOptions } from './nats-transport';

/** A connection whose flush (the PING/PONG round trip) answers only when the test says so. */
function fakeConnection() {
  const subscribed: string[] = [];
  let pong!: () => void;
  let refuse!: (error: Error) => void;
  const flushed = new Promise<void>((resolve, reject) => {
    pong = resolve;
    refuse = reject;
  });
  return {
    subscribed,
    pong: () => pong(),
    refuse: (error: Error) => refuse(error),
    connection: {
      subscribe: (subject: string) => {
        subscribed.push(subject);
        return { unsubscribe: () => undefined };
      },
      flush: jest.fn(() => flushed),
      status: async function* () {
        /* no status events */
      },
      close: async () => undefined,
    },
  };
}

function serverOn(fake: ReturnType<typeof fakeConnection>): SubscribedNatsServer {
  const server = new SubscribedNatsServer({ servers: ['nats://127.0.0.1:1'], queue: 'svc' });
  server.createNatsClient = () => Promise.resolve(fake.connection);
  server.addHandler('svc.add', () => Promise.resolve(1), false);
  return server;
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('SubscribedNatsServer', () => {
  it('says it listens only once the NATS server has answered the flush after the subscriptions', async () => {
    const fake = fakeConnection();
    const server = serverOn(fake);
    const listening = jest.fn();
    void server.listen(listening);
    await turns();
    expect(fake.subscribed).toEqual(['svc.add']);
    expect(fake.connection.flush).toHaveBeenCalledTimes(1);
    expect(listening).not.toHaveBeenCalled();
    fake.pong();
    await turns();
    expect(listening).toHaveBeenCalledWith();
  });

  it('reports a flush that fails as a failure to listen', async () => {
    const fake = fakeConnection();
    const server = serverOn(fake);
    const listening = jest.fn();
    void server.listen(listening);
    await turns();
    fake.refuse(new Error('connection closed'));
    await turns();
    expect(listening).toHaveBeenCalledWith(expect.objectContaining({ message: 'connection closed' }));
  });

  it('is the strategy natsServerOptions hands to Nest', () => {
    const options = natsServerOptions({ service: 'user-profile', url: 'nats://a:4222, nats://b:4222' });
    expect(options.strategy).toBeInstanceOf(SubscribedNatsServer);
  });
});
