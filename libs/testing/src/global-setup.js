// Jest globalSetup: probes NATS once and tells the suites through the environment (workers inherit it).
// Under CI=true a NATS that does not answer fails the whole run: NATS suites must run in CI, never skip.
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

module.exports = async function globalSetup() {
  const url = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const up = await reachable(url);
  process.env.ROSTER_TEST_NATS = up ? 'up' : 'down';
  if (!up) {
    process.env.ROSTER_TEST_NATS_REASON = `no NATS server answers at ${url}`;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but no NATS server answers at ${url}: the NATS suites must run in CI (.ci/run starts one)`);
    }
    console.warn(`[skip] NATS suites: no NATS server answers at ${url}`);
  }
};
