import { hkdfSync } from 'node:crypto';

/**
 * Derives an independent 32-byte secret for one purpose from the master key (HKDF-SHA256), so a single configured
 * secret serves key wrapping, pseudonyms and anything later without reusing the same bytes for two algorithms.
 */
export function deriveSecret(masterKey: Uint8Array, label: string): Uint8Array {
  if (label.length === 0) throw new RangeError('deriveSecret needs a non-empty label');
  return new Uint8Array(hkdfSync('sha256', masterKey, new Uint8Array(0), `roster/${label}`, 32));
}
