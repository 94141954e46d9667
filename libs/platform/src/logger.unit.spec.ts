import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from './logger';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino(loggerOptions('test', 'debug'), sink), lines };
}

describe('log redaction', () => {
  it('keeps personal data out of log lines, wherever a careless call puts it', () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer rk_secret.key' }, body: { email: 'ada@example.com' } } }, 'request');
    logger.info({ user: { firstName: 'Ada', lastName: 'Lovelace', phone: '+31612345678', email: 'ada@example.com', channelUserId: 'psid-9' } }, 'user');
    logger.info({ event: { profile: { name: 'Ada Lovelace' } }, events: [{ channelUserId: '+3161' }] }, 'events');
    logger.info({ note: { text: 'lives at Main Street 1' }, field: { value: 'secret value' } }, 'edits');
    const output = lines.join('');
    for (const personal of ['rk_secret.key', 'ada@example.com', 'Ada', 'Lovelace', '+31612345678', 'psid-9', '+3161', 'Main Street', 'secret value']) {
      expect(output).not.toContain(personal);
    }
    expect(output).toContain('[redacted]');
  });

  it('keeps ids, counts and the service name', () => {
    const { logger, lines } = capture();
    logger.info({ botId: 'b-1', userId: 'u-1', correlationId: 'c-1', accepted: 3 }, 'ingest');
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'test', botId: 'b-1', userId: 'u-1', correlationId: 'c-1', accepted: 3, level: 'info' });
  });
});
