import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { RpcReplyError, RpcTimeoutError, RpcUnavailableError } from '@roster/messaging';
import { Problem } from './problem';

const STATUS_OF_KIND: Record<string, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
  internal: 500,
};

/** Maps anything thrown in the gateway to a Problem. Unknown errors become a 500 without internals. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof RpcReplyError) {
    return new Problem(STATUS_OF_KIND[error.kind] ?? 500, error.message, error.errors, error.details);
  }
  if (error instanceof RpcTimeoutError) return new Problem(504, 'a service did not answer in time');
  if (error instanceof RpcUnavailableError) return new Problem(503, 'a service is not available');
  const fastifyCode = (error as { code?: string; statusCode?: number }).code;
  const statusCode = (error as { statusCode?: number }).statusCode;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return new Problem(413, 'the request body is larger than allowed');
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new Problem(415, 'send the body as application/json');
  if (fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new Problem(400, 'the JSON body is empty', [{ path: '(body)', message: 'empty body' }]);
  if (error instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new Problem(400, 'the body is not valid JSON', [{ path: '(body)', message: (error as Error).message }]);
  }
  if (error instanceof HttpException) return new Problem(error.getStatus(), error.message);
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return new Problem(statusCode, (error as Error).message);
  return new Problem(500, 'something went wrong on our side');
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void | Observable<never> {
    // In a hybrid app this global filter also sees request/reply handlers: leave their errors to the transport.
    if (host.getType() !== 'http') return throwError(() => error);
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = toProblem(error);
    if (problem.getStatus() >= 500) request.log?.error({ err: { type: (error as Error)?.name, message: (error as Error)?.message } }, 'request failed');
    void reply.status(problem.getStatus()).header('content-type', 'application/problem+json').send(problem.body(request.url?.split('?')[0]));
  }
}
