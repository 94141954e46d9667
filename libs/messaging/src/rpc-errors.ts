import type { ReplyError, ReplyErrorKind } from './port';

/** Base of every failure `RpcClient.request` reports. Messages name the subject, never the payload. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The handler answered `{ ok: false }` (or broke in a way that only the server side can explain). */
export class RpcReplyError extends RpcError implements ReplyError {
  readonly kind: ReplyErrorKind;
  readonly errors?: ReplyError['errors'];
  readonly details?: ReplyError['details'];

  constructor(subject: string, error: ReplyError) {
    super(error.message, subject);
    this.kind = error.kind;
    if (error.errors) this.errors = error.errors;
    if (error.details) this.details = error.details;
  }

  toReplyError(): ReplyError {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** No answer within the deadline. The request may still have been applied: commands must be idempotent. */
export class RpcTimeoutError extends RpcError {
  constructor(
    subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${subject} within ${timeoutMs} ms`, subject);
  }
}

/** Nobody listens on the subject, or the transport is not connected: the request was not handled. */
export class RpcUnavailableError extends RpcError {
  constructor(subject: string, reason: string, options?: { cause?: unknown }) {
    super(`${subject} is unavailable: ${reason}`, subject, options);
  }
}
