import { createHmac } from 'node:crypto';

const PSEUDONYM_CHARS = 32;

/**
 * Turns personal identifiers (a phone number, a channel's user id) into stable opaque strings for stream names and
 * de-duplication keys. Keyed (HMAC-SHA256), so nobody without the secret can test guesses such as phone numbers.
 */
export class Pseudonymizer {
  private readonly secret: Buffer;

  constructor(secret: Uint8Array) {
    if (secret.length < 32) {
      throw new RangeError(`the pseudonym secret must be at least 32 bytes, got ${secret.length}`);
    }
    this.secret = Buffer.from(secret);
  }

  /** 32 base64url characters (192 bits). Parts are length-prefixed, so ("ab","c") and ("a","bc") differ. */
  pseudonym(...parts: string[]): string {
    if (parts.length === 0) throw new RangeError('a pseudonym needs at least one part');
    const hmac = createHmac('sha256', this.secret);
    for (const part of parts) {
      const bytes = Buffer.from(part, 'utf8');
      hmac.update(`${bytes.length}:`);
      hmac.update(bytes);
    }
    return hmac.digest('base64url').slice(0, PSEUDONYM_CHARS);
  }
}
