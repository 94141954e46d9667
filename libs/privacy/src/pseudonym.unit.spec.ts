import { randomBytes } from 'node:crypto';
import { deriveSecret } from './derive-secret';
import { Pseudonymizer } from './pseudonym';

describe('Pseudonymizer', () => {
  const pseudonymizer = new Pseudonymizer(randomBytes(32));

  it('gives the same pseudonym for the same parts', () => {
    const once = pseudonymizer.pseudonym('whatsapp', '+33612345678');
    expect(pseudonymizer.pseudonym('whatsapp', '+33612345678')).toBe(once);
  });

  it('gives 32 base64url characters that do not contain the identifier', () => {
    const value = pseudonymizer.pseudonym('sms', '+33612345678');
    expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(value).not.toContain('33612345678');
    expect(value).not.toContain(Buffer.from('+33612345678').toString('base64url').slice(0, 8));
  });

  it('separates parts unambiguously and differs per input', () => {
    const values = [
      pseudonymizer.pseudonym('ab', 'c'),
      pseudonymizer.pseudonym('a', 'bc'),
      pseudonymizer.pseudonym('abc'),
      pseudonymizer.pseudonym('1:a'),
      pseudonymizer.pseudonym('', '1:a'),
      pseudonymizer.pseudonym('sms', '+33612345679'),
    ];
    expect(new Set(values).size).toBe(values.length);
  });

  it('depends on the secret', () => {
    expect(new Pseudonymizer(randomBytes(32)).pseudonym('sms', '+1')).not.toBe(pseudonymizer.pseudonym('sms', '+1'));
  });

  it('refuses a short secret or no parts', () => {
    expect(() => new Pseudonymizer(randomBytes(16))).toThrow(/at least 32 bytes/);
    expect(() => pseudonymizer.pseudonym()).toThrow(/at least one part/);
  });
});

describe('deriveSecret', () => {
  const master = randomBytes(32);

  it('derives stable 32-byte secrets that differ per label and from the master key', () => {
    const pseudonyms = deriveSecret(master, 'pseudonyms/v1');
    expect(pseudonyms).toHaveLength(32);
    expect(Buffer.from(deriveSecret(master, 'pseudonyms/v1'))).toEqual(Buffer.from(pseudonyms));
    expect(Buffer.from(deriveSecret(master, 'other/v1'))).not.toEqual(Buffer.from(pseudonyms));
    expect(Buffer.from(pseudonyms)).not.toEqual(master);
    expect(Buffer.from(deriveSecret(randomBytes(32), 'pseudonyms/v1'))).not.toEqual(Buffer.from(pseudonyms));
  });

  // Stream names and dedup keys are built from these: a change in derivation would orphan every stored one.
  it('keeps its derivation fixed (HKDF-SHA256, empty salt, info "roster/<label>")', () => {
    const secret = deriveSecret(Buffer.alloc(32, 7), 'pseudonyms/v1');
    const hex = '18858b42a3c0d1ce190e9d89f5b764044641a3aee22104489bae9402fe4fdd9d';
    expect(Buffer.from(secret).toString('hex')).toBe(hex);
    expect(new Pseudonymizer(secret).pseudonym('whatsapp', '+33612345678')).toBe('S04s4Htl_H-dkCQuHWFDXDUH23dJWybG');
  });
});
