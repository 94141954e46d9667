import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metaVerificationChallenge, verifyMetaSignature, verifyTwilioSignature } from './index';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

describe('verifyMetaSignature (X-Hub-Signature-256)', () => {
  const secret = 'app-secret-0123456789abcdef';
  const body = fixture('messenger-text.json');
  const sign = (raw: Buffer, key = secret) => `sha256=${createHmac('sha256', key).update(raw).digest('hex')}`;

  it('accepts a published HMAC-SHA256 vector (GitHub webhook docs, same sha256=<hex> scheme)', () => {
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verifyMetaSignature(Buffer.from('Hello, World!'), header, "It's a Secret to Everybody")).toBe(true);
    expect(verifyMetaSignature(Buffer.from('Hello, World!'), header.toUpperCase().replace('SHA256=', 'sha256='), "It's a Secret to Everybody")).toBe(true);
  });

  it('accepts the signature of the raw body bytes', () => {
    expect(verifyMetaSignature(body, sign(body), secret)).toBe(true);
  });

  it('rejects a tampered body, a re-serialized body and a wrong secret', () => {
    const header = sign(body);
    const tampered = Buffer.from(body.toString('utf8').replace('hello, world!', 'hello, world?'));
    expect(tampered.equals(body)).toBe(false);
    expect(verifyMetaSignature(tampered, header, secret)).toBe(false);
    expect(verifyMetaSignature(Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')))), header, secret)).toBe(false);
    expect(verifyMetaSignature(body, header, 'another-secret')).toBe(false);
    expect(verifyMetaSignature(body, sign(body, 'another-secret'), secret)).toBe(false);
  });

  it('rejects missing, malformed and wrong-length headers and an empty secret', () => {
    const hex = sign(body).slice('sha256='.length);
    for (const header of [undefined, '', 'sha256=', hex, `sha1=${hex}`, `sha256=${hex.slice(0, 62)}`, `sha256=${hex}00`, `sha256=${hex.slice(0, 63)}z`, `sha256= ${hex}`]) {
      expect(verifyMetaSignature(body, header, secret)).toBe(false);
    }
    expect(verifyMetaSignature(Buffer.alloc(0), sign(Buffer.alloc(0), ''), '')).toBe(false);
  });
});

describe('verifyTwilioSignature (X-Twilio-Signature)', () => {
  // Twilio's documented example (auth token 12345), as used in Twilio's own helper-library tests.
  const token = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  const published = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  /** The documented algorithm written out independently: URL, then name+value of each parameter sorted by name. */
  const independent = (u: string, p: Record<string, string>, key: string) => {
    const sorted = Object.entries(p).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const data = u + sorted.map(([name, value]) => `${name}${value}`).join('');
    return createHmac('sha1', Buffer.from(key, 'utf8')).update(Buffer.from(data, 'utf8')).digest().toString('base64');
  };

  it('the independent computation reproduces the published vector', () => {
    expect(independent(url, params, token)).toBe(published);
  });

  it('accepts the published signature', () => {
    expect(verifyTwilioSignature(url, params, published, token)).toBe(true);
  });

  it('accepts a fixture signed independently, whatever the parameter order', () => {
    const sms: Record<string, string> = JSON.parse(fixture('twilio-sms.json').toString('utf8'));
    const smsUrl = 'https://roster.example.com/webhooks/twilio/sms';
    const signature = independent(smsUrl, sms, 'auth-token-abc');
    const reversed = Object.fromEntries(Object.entries(sms).reverse());
    expect(verifyTwilioSignature(smsUrl, reversed, signature, 'auth-token-abc')).toBe(true);
  });

  it('rejects a changed parameter, an added or removed parameter, a changed URL and a wrong token', () => {
    expect(verifyTwilioSignature(url, { ...params, Digits: '1235' }, published, token)).toBe(false);
    expect(verifyTwilioSignature(url, { ...params, Extra: '' }, published, token)).toBe(false);
    const { Digits: _digits, ...withoutDigits } = params;
    expect(verifyTwilioSignature(url, withoutDigits, published, token)).toBe(false);
    expect(verifyTwilioSignature('https://mycompany.com/myapp.php?foo=1&bar=3', params, published, token)).toBe(false);
    expect(verifyTwilioSignature('http://mycompany.com/myapp.php?foo=1&bar=2', params, published, token)).toBe(false);
    expect(verifyTwilioSignature(url, params, published, '12346')).toBe(false);
  });

  it('rejects missing, empty and wrong-length signatures and an empty token', () => {
    for (const header of [undefined, '', published.slice(0, -1), `${published}A`, 'not base64 at all']) {
      expect(verifyTwilioSignature(url, params, header, token)).toBe(false);
    }
    expect(verifyTwilioSignature(url, params, independent(url, params, ''), '')).toBe(false);
  });

  it('accepts the URL signed with or without the default port, as Twilio validators do', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(verifyTwilioSignature(withPort, params, published, token)).toBe(true);
    expect(verifyTwilioSignature(url, params, independent(withPort, params, token), token)).toBe(true);
    expect(verifyTwilioSignature('https://mycompany.com:8443/myapp.php?foo=1&bar=2', params, published, token)).toBe(false);
  });
});

describe('metaVerificationChallenge (GET hub.challenge)', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'token-b', 'hub.challenge': '1158201444' };

  it('returns the challenge for a known verify token', () => {
    expect(metaVerificationChallenge(query, ['token-a', 'token-b'])).toBe('1158201444');
  });

  it('returns nothing for an unknown token, another mode, or missing values', () => {
    expect(metaVerificationChallenge(query, ['token-a'])).toBeUndefined();
    expect(metaVerificationChallenge(query, [])).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.mode': 'unsubscribe' }, ['token-b'])).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.challenge': undefined }, ['token-b'])).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.verify_token': '' }, ['', 'token-b'])).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.verify_token': ['token-b'] }, ['token-b'])).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.verify_token': 'token-bb' }, ['token-b'])).toBeUndefined();
  });
});
