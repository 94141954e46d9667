import { HttpException, HttpStatus } from '@nestjs/common';

export interface ProblemField {
  readonly path: string;
  readonly message: string;
}

const TITLES: Record<number, string> = {
  400: 'Invalid input',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
  504: 'Upstream timeout',
};

/** An RFC 9457 problem: thrown anywhere in the gateway, rendered by ProblemFilter as application/problem+json. */
export class Problem extends HttpException {
  constructor(
    status: number,
    detail: string,
    readonly errors?: readonly ProblemField[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail, status);
  }

  body(instance?: string): Record<string, unknown> {
    const status = this.getStatus();
    return {
      type: `https://roster.dev/problems/${status}`,
      title: TITLES[status] ?? HttpStatus[status] ?? 'Error',
      status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.extra ?? {}),
    };
  }
}

export const problemTitle = (status: number) => TITLES[status] ?? 'Error';
