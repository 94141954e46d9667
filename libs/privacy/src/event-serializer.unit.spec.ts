import { decodePersonalFields, encodePersonalFields, holdsEncryptedValues } from './event-serializer';
import { MemoryKeyVault } from './key-vault/memory-key-vault';
import { PiiCodec, isEncryptedPii } from './pii-codec';

const paths = ['profile.firstName', 'profile.email', 'fields.*', 'notes.*.text', 'value'];
const event = () => ({
  botUserId: 'u-1',
  profile: { firstName: 'Zoë', email: 'zoe@example.com', locale: 'fr_FR', lastName: null },
  fields: { city: 'Paris', score: 7, address: { zip: '75001' } },
  notes: [{ id: 'n1', text: 'called back' }, { id: 'n2', text: 'vip' }],
  value: 'Paris',
});

describe('personal fields of an event payload', () => {
  let codec: PiiCodec;
  beforeEach(() => {
    codec = new PiiCodec(new MemoryKeyVault());
  });

  it('encrypts exactly the listed fields, wildcards included, and decodes them back', async () => {
    const encoded = await encodePersonalFields(codec, 'u-1', event(), paths);
    const profile = encoded.profile as Record<string, unknown>;
    const fields = encoded.fields as Record<string, unknown>;
    const notes = encoded.notes as Array<Record<string, unknown>>;
    for (const value of [profile.firstName, profile.email, fields.city, fields.score, fields.address, encoded.value]) {
      expect(isEncryptedPii(value)).toBe(true);
    }
    expect(notes.map((note) => isEncryptedPii(note.text))).toEqual([true, true]);
    expect(notes.map((note) => note.id)).toEqual(['n1', 'n2']);
    expect(profile.locale).toBe('fr_FR');
    expect(encoded.botUserId).toBe('u-1');
    expect(JSON.stringify(encoded)).not.toMatch(/Zoë|zoe@|Paris|75001|called back/);
    expect(await decodePersonalFields(codec, 'u-1', encoded, paths)).toEqual(event());
  });

  it('leaves absent and undefined fields absent and null fields null', async () => {
    const data = { profile: { firstName: null, email: undefined }, fields: {} };
    const encoded = await encodePersonalFields(codec, 'u-1', data, paths);
    expect(encoded).toEqual({ profile: { firstName: null }, fields: {} });
    expect(Object.keys(encoded)).toEqual(['profile', 'fields']);
    expect(await decodePersonalFields(codec, 'u-1', encoded, paths)).toEqual(encoded);
  });

  it('never changes its input and shares nothing with it', async () => {
    const input = event();
    const encoded = await encodePersonalFields(codec, 'u-1', input, paths);
    expect(input).toEqual(event());
    const frozenEncoded = structuredClone(encoded);
    const decoded = await decodePersonalFields(codec, 'u-1', encoded, paths);
    expect(encoded).toEqual(frozenEncoded);
    (decoded.profile as Record<string, unknown>).locale = 'changed';
    expect(input.profile.locale).toBe('fr_FR');
    expect((encoded.profile as Record<string, unknown>).locale).toBe('fr_FR');
  });

  it('yields null for the personal fields of a shredded subject and keeps the rest', async () => {
    const encoded = await encodePersonalFields(codec, 'u-1', event(), paths);
    await codec.shred('u-1');
    const decoded = await decodePersonalFields(codec, 'u-1', encoded, paths);
    expect(decoded).toEqual({
      botUserId: 'u-1',
      profile: { firstName: null, email: null, locale: 'fr_FR', lastName: null },
      fields: { city: null, score: null, address: null },
      notes: [{ id: 'n1', text: null }, { id: 'n2', text: null }],
      value: null,
    });
  });

  it('passes through plain values at listed paths, as in events written before a path was added', async () => {
    expect(await decodePersonalFields(codec, 'u-1', { value: 'legacy' }, paths)).toEqual({ value: 'legacy' });
  });

  it('tells whether a payload holds encrypted values at its paths (what decoding it needs a key for)', async () => {
    expect(holdsEncryptedValues(event(), paths)).toBe(false);
    expect(holdsEncryptedValues(await encodePersonalFields(codec, 'u-1', event(), paths), paths)).toBe(true);
    const onlyANote = { notes: [{ id: 'n1', text: await codec.encrypt('u-1', 'x') }] };
    expect(holdsEncryptedValues(onlyANote, paths)).toBe(true);
    expect(holdsEncryptedValues(onlyANote, ['profile.email'])).toBe(false);
    expect(holdsEncryptedValues({ profile: { email: null } }, paths)).toBe(false);
  });

  it('rejects a malformed path', async () => {
    await expect(encodePersonalFields(codec, 'u-1', event(), ['profile..email'])).rejects.toThrow(/malformed/);
  });
});
