import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two byte strings; different lengths are unequal (checked first, as timingSafeEqual requires). */
const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

const META_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Meta's `X-Hub-Signature-256` (Messenger, Instagram, WhatsApp Cloud API): `sha256=<hex HMAC-SHA256 of the raw body
 * with the app secret>`. False on a missing or malformed header and on an empty secret (a forgeable configuration).
 */
export function verifyMetaSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (typeof header !== 'string' || typeof appSecret !== 'string' || appSecret.length === 0 || !Buffer.isBuffer(rawBody)) return false;
  const match = META_SIGNATURE.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return sameBytes(given, expected);
}

/** Twilio's string to sign: the full URL, then each POST parameter's name and value, sorted by name (code-unit order). */
export function twilioSignatureBase(url: string, params: Readonly<Record<string, string>>): string {
  const names = Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.reduce((base, name) => base + name + params[name], url);
}

const twilioSignature = (url: string, params: Readonly<Record<string, string>>, authToken: string): Buffer =>
  Buffer.from(createHmac('sha1', authToken).update(twilioSignatureBase(url, params), 'utf8').digest('base64'), 'utf8');

const URL_PARTS = /^(https?):\/\/([^/?#]*@)?(\[[^\]]*\]|[^/?#:@]*)(?::(\d+))?(.*)$/i;

/**
 * The URL as Twilio may have signed it: as given, and with the default port added or removed (Twilio's own
 * validators accept both, since proxies differ in whether the port is kept).
 */
const urlVariants = (url: string): string[] => {
  const match = URL_PARTS.exec(url);
  if (!match) return [url];
  const [, scheme, userInfo = '', host, port, rest] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const prefix = `${scheme}://${userInfo}${host}`;
  if (port === undefined) return [url, `${prefix}:${defaultPort}${rest}`];
  return port === defaultPort ? [url, `${prefix}${rest}`] : [url];
};

/**
 * Twilio's `X-Twilio-Signature` for form-encoded webhooks: base64 HMAC-SHA1 (auth token as key) of the full request URL
 * (scheme, host, path and query as Twilio requested it) followed by every POST parameter name and value, sorted by name.
 */
export function verifyTwilioSignature(
  url: string,
  params: Readonly<Record<string, string>>,
  header: string | undefined,
  authToken: string,
): boolean {
  if (typeof header !== 'string' || typeof url !== 'string' || typeof authToken !== 'string' || authToken.length === 0) return false;
  if (!isObjectOfStrings(params)) return false;
  const given = Buffer.from(header.trim(), 'utf8');
  if (given.length === 0) return false;
  let ok = false;
  // Every variant is computed and compared, so timing does not tell which one matched.
  for (const variant of urlVariants(url)) ok = sameBytes(given, twilioSignature(variant, params, authToken)) || ok;
  return ok;
}

const isObjectOfStrings = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The `GET` subscription check of Meta webhooks: `hub.mode=subscribe` and `hub.verify_token` among the known tokens →
 * the `hub.challenge` to echo back (as text/plain); otherwise undefined (answer 403). Tokens compare in constant time.
 */
export function metaVerificationChallenge(query: Readonly<Record<string, unknown>>, verifyTokens: readonly string[]): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe' || typeof token !== 'string' || token.length === 0) return undefined;
  if (typeof challenge !== 'string' || challenge.length === 0) return undefined;
  const given = digest(token);
  let known = false;
  for (const candidate of verifyTokens) {
    if (typeof candidate === 'string' && candidate.length > 0) known = timingSafeEqual(given, digest(candidate)) || known;
  }
  return known ? challenge : undefined;
}
