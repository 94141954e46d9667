/** The vault holds keys wrapped under another master key: using it would mix keys of two masters in one store. */
export class MasterKeyMismatchError extends Error {
  constructor(where: string) {
    super(
      `the key vault at ${where} was created with a different master key; ` +
        'check ROSTER_MASTER_KEY (or <dataDir>/master.key) against the one this vault was created with',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/** A stored data key failed authentication: the vault row was altered or copied to another subject. */
export class KeyUnwrapError extends Error {
  constructor(readonly subjectId: string) {
    super('a stored data key could not be unwrapped: the vault entry was altered or belongs to another subject');
    this.name = 'KeyUnwrapError';
  }
}

/** An encrypted personal value failed authentication or is malformed; never raised for a shredded subject. */
export class PiiDecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt personal data: ${reason}`);
    this.name = 'PiiDecryptionError';
  }
}

export class MasterKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyConfigError';
  }
}
