import { ReadStoreError } from '../port';

/** Zero-padded to 20 digits, so that MongoDB's string order is the numeric order of positions. */
export function encodePosition(position: bigint): string {
  return position.toString().padStart(20, '0');
}

export function decodePosition(stored: unknown): bigint {
  if (typeof stored !== 'string' || !/^\d{20}$/.test(stored)) {
    throw new ReadStoreError('a stored position is not a 20-digit decimal string');
  }
  return BigInt(stored);
}
