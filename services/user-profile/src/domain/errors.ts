/** Named domain errors; the service maps each to one reply kind (and the gateway to one HTTP status). */
export class DomainError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'unprocessable' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class IllegalStateError extends DomainError {
  constructor(message: string) {
    super('invalid', message);
  }
}

export class BotUserNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'no such bot user');
  }
}

export class NoteNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'no such note');
  }
}

export class FieldValueError extends DomainError {
  constructor(message: string) {
    super('unprocessable', message);
  }
}

export class UnknownFieldError extends DomainError {
  constructor() {
    super('not_found', 'no custom field with this key');
  }
}

export class TagExistsError extends DomainError {
  constructor(readonly existing: string) {
    super('conflict', 'a tag with this name exists already (names are unique case-insensitively)');
  }
}

export class FieldExistsError extends DomainError {
  constructor() {
    super('conflict', 'a custom field with this key exists already');
  }
}
