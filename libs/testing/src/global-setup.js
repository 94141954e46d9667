// Jest globalSetup: probes the servers once and tells the suites through the environment (workers inherit it).
// - NATS: under CI=true a NATS that does not answer fails the whole run (NATS suites must run in CI, never skip).
// - MongoDB / KurrentDB: suites run when MONGO_URL / KURRENTDB_URL are set; otherwise, where a container runtime
//   exists, testcontainers starts them here (stopped in global-teardown.js). Without either, those suites skip and
//   print why. ROSTER_TESTCONTAINERS=0 turns the container path off.
const net = require('node:net');

function reachable(url) {
  const first = url.split(',')[0].replace(/^nats:\/\//, '').replace(/^.*@/, '');
  const [host, port] = first.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 4222), host || '127.0.0.1');
    const done = (ok) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

async function startContainers() {
  const wantMongo = !process.env.MONGO_URL;
  const wantKurrent = !process.env.KURRENTDB_URL;
  if ((!wantMongo && !wantKurrent) || process.env.ROSTER_TESTCONTAINERS === '0') return;
  const { getContainerRuntimeClient, GenericContainer, Wait } = require('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    process.env.ROSTER_CONTAINER_RUNTIME = `none (${String(error.message).split('\n')[0]})`;
    return;
  }
  globalThis.__rosterContainers = [];
  if (wantMongo) {
    const mongo = await new GenericContainer('mongo:7').withExposedPorts(27017).withWaitStrategy(Wait.forLogMessage(/Waiting for connections/)).start();
    globalThis.__rosterContainers.push(mongo);
    process.env.MONGO_URL = `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}`;
  }
  if (wantKurrent) {
    const kurrent = await new GenericContainer('docker.kurrent.io/kurrent-latest/kurrentdb:25.0')
      .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'None', KURRENTDB_MEM_DB: 'true' })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start();
    globalThis.__rosterContainers.push(kurrent);
    process.env.KURRENTDB_URL = `kurrentdb://${kurrent.getHost()}:${kurrent.getMappedPort(2113)}?tls=false`;
  }
}

module.exports = async function globalSetup() {
  const url = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const up = await reachable(url);
  process.env.ROSTER_TEST_NATS = up ? 'up' : 'down';
  if (!up) {
    process.env.ROSTER_TEST_NATS_REASON = `no NATS server answers at ${url}`;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but no NATS server answers at ${url}: the NATS suites must run in CI (.ci/run starts one)`);
    }
    process.stderr.write(`[skip] NATS suites: no NATS server answers at ${url}\n`);
  }
  await startContainers();
};
