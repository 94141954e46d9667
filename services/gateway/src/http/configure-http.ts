import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { INFRA, serviceMetrics, type Infra } from '@roster/platform';
import { withCurrentRequest } from '../request-context';
import { HttpMetrics } from './http-metrics';
import { toProblem } from './problem.filter';

/**
 * HTTP concerns that live outside Nest's pipeline: errors Fastify raises while reading the body (413, 415, bad JSON)
 * become problem+json too, every answer is counted and timed (route template, method, status class), and the OpenAPI
 * document is served at /docs; the request being served is known to RpcClientService (its id is the correlation id).
 */
export function configureHttp(app: INestApplication): void {
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  // The API speaks JSON only: without this, Fastify would hand text/plain bodies to the handlers (415 instead).
  fastify.removeContentTypeParser(['text/plain']);
  // The request travels to the services' logs as the correlation id (RpcClientService reads it from here).
  fastify.addHook('preHandler', (request, _reply, done) => withCurrentRequest(request, done));
  const httpMetrics = new HttpMetrics(serviceMetrics(app.get<Infra>(INFRA), 'gateway'));
  fastify.addHook('onResponse', async (request, reply) => {
    httpMetrics.observe(request.method, request.routeOptions?.url, reply.statusCode, reply.elapsedTime / 1000);
  });
  fastify.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    void reply.status(problem.getStatus()).header('content-type', 'application/problem+json').send(problem.body(request.url.split('?')[0]));
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Roster API')
      .setDescription('Bot users: list, filter, inspect, edit, import, export and erase. See design/api.md.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
