import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Module, type INestApplication, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { SERVICE_NAMES, type ServiceName } from '@roster/contracts';
import { BrokerBridge, InProcessServer, natsServerOptions } from '@roster/messaging';
import { LoggerModule, Logger as PinoNestLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type RosterConfig } from '../config';
import { applyHeapSettings } from '../heap';
import { createLogger, loggerOptions } from '../logger';
import { createDistributedInfra, createEmbeddedInfra, type RunningInfra } from '../runtime';
import { InfraModule } from './infra.module';
import { relayAppended, startWorkerThreads, type WorkerControl, type WorkerThreadData, type WorkerThreads } from './threads';

export interface HttpOptions {
  /** Adds what the HTTP app needs beyond Nest's pipeline (error handler for body errors, OpenAPI). */
  readonly http?: (app: INestApplication) => void;
}

export interface EmbeddedOptions extends HttpOptions {
  /**
   * The compiled worker entry (a .js file that calls `runEmbeddedWorker`), needed when the configuration places
   * services in worker threads (ROSTER_WORKER_SERVICES).
   */
  readonly workerScript?: string;
}

/**
 * Every service's Nest module, by name, as a loader: embedded mode mounts each in the thread the configuration places
 * it in, and a thread loads the code of its own services only (each service another thread runs cost ~50 ms of
 * compiling and ~3 MiB of heap in every thread that loaded it anyway).
 */
export type ServiceModules = Readonly<Record<ServiceName, () => Promise<Type<unknown>>>>;

/** The modules of `services`, loaded. */
const load = (modules: ServiceModules, services: readonly ServiceName[]) => Promise.all(services.map((service) => modules[service]()));

function rootModule(infra: RunningInfra, config: RosterConfig, service: string, modules: Type<unknown>[], bindings: Record<string, string> = {}): Type<unknown> {
  const options = loggerOptions(service, config.logLevel);
  @Module({
    imports: [
      InfraModule.forRoot(infra),
      LoggerModule.forRoot({
        pinoHttp: {
          ...options,
          base: { ...options.base, ...bindings },
          genReqId: (req) => {
            const given = req.headers['x-request-id'];
            return typeof given === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : randomUUID();
          },
          customProps: () => ({}),
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
          },
        },
      }),
      ...modules,
    ],
  })
  class RosterRootModule {}
  return RosterRootModule;
}

/**
 * Errors Fastify's router raises before any route runs (a bad URL encoding, an over-long path segment) answer
 * problem+json like every other error. The detail never repeats the URL: paths may carry personal identifiers.
 */
function frameworkError(error: { statusCode?: number }, _request: unknown, reply: { code(n: number): { header(k: string, v: string): { send(b: unknown): void } } }): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const detail = status === 414 ? 'a path segment is longer than allowed' : 'the URL is not valid';
  reply.code(status).header('content-type', 'application/problem+json').send({ type: `https://roster.dev/problems/${status}`, title: status === 414 ? 'URI too long' : 'Invalid input', status, detail });
}

async function createHttpApp(root: Type<unknown>, config: RosterConfig, options: HttpOptions): Promise<INestApplication> {
  // Path parameters (tag names, ids) may be up to 1024 characters so that validation, not the router, answers.
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimit, trustProxy: true, maxParamLength: 1024, frameworkErrors: frameworkError as never });
  // rawBody: platform webhooks are verified over the exact bytes received (Meta, WhatsApp, Twilio signatures).
  const app = await NestFactory.create(root, adapter, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(PinoNestLogger));
  options.http?.(app);
  return app;
}

function onSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        logger.error({ err: { message: error.message } }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

async function guarded(service: string, start: (logger: Logger) => Promise<void>): Promise<void> {
  const logger = createLogger(service, process.env.LOG_LEVEL ?? 'info');
  try {
    await start(logger);
  } catch (error) {
    logger.fatal({ err: { type: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack } }, 'could not start');
    process.exit(1);
  }
}

/** Applies the configuration's V8 heap settings (`heap.ts`) and logs them when any were set. */
function heapSettings(config: RosterConfig, logger: Logger): void {
  const flags = applyHeapSettings(config);
  if (flags.length > 0) logger.info({ v8Flags: flags }, 'heap settings');
}

/** Distributed mode: one service in this process, on NATS. With `http`, it also serves HTTP on PORT (the gateway). */
export function runService(service: ServiceName, module: Type<unknown>, options: HttpOptions = {}): Promise<void> {
  return guarded(service, async (logger) => {
    const config = loadConfig();
    heapSettings(config, logger);
    const infra = await createDistributedInfra(config, service, logger);
    const root = rootModule(infra, config, service, [module]);
    let app: INestApplication | INestMicroservice;
    if (options.http) {
      const http = await createHttpApp(root, config, options);
      http.connectMicroservice(natsServerOptions({ url: config.natsUrl!, service }), { inheritAppConfig: true });
      await http.startAllMicroservices();
      await http.listen(config.port, config.host);
      app = http;
      logger.info({ port: config.port, mode: 'distributed' }, 'listening');
    } else {
      const micro = await NestFactory.createMicroservice(root, { ...natsServerOptions({ url: config.natsUrl!, service }), bufferLogs: true });
      micro.useLogger(micro.get(PinoNestLogger));
      await micro.listen();
      app = micro;
      logger.info({ mode: 'distributed' }, 'started');
    }
    onSignals(logger, async () => {
      await app.close();
      await infra.close();
    });
  });
}

/**
 * Embedded mode: every service in one process, joined by the in-process transport; HTTP on PORT. Services named in
 * ROSTER_WORKER_SERVICES run in worker threads (each with its own Nest application and Infra), the others in this
 * thread with the gateway.
 */
export function runEmbedded(modules: ServiceModules, options: EmbeddedOptions = {}): Promise<void> {
  return guarded('roster', async (logger) => {
    const config = loadConfig();
    heapSettings(config, logger); // before the worker threads start: their heaps follow V8's process-wide flags
    const app = await startEmbedded(modules, options, config, logger);
    logger.info({ port: app.config.port, dataDir: app.config.dataDir, mode: 'embedded', workerThreads: app.config.workerServices.map((g) => g.join('+')) }, 'listening');
    onSignals(logger, app.stop);
  });
}

export async function startEmbedded(modules: ServiceModules, options: EmbeddedOptions, config: RosterConfig, logger: Logger) {
  const groups = config.workerServices;
  if (groups.length > 0 && !options.workerScript) throw new ConfigError('services are placed in worker threads but no worker script was given');
  const inWorkers = new Set(groups.flat());
  const here = SERVICE_NAMES.filter((service) => !inWorkers.has(service));
  const infra = await createEmbeddedInfra(config, logger, { readStore: here.includes('segmentation') });
  // Workers start while this thread builds its own app: a worker restoring a large read store snapshot takes a while.
  let threads: WorkerThreads | undefined;
  if (groups.length > 0) threads = startWorkerThreads(groups, options.workerScript!, infra.broker, infra.eventStore, logger, config.readStoreYoungGenerationMb);
  const http = await createHttpApp(rootModule(infra, config, 'roster', await load(modules, here)), config, options);
  http.connectMicroservice({ strategy: new InProcessServer(infra.broker) }, { inheritAppConfig: true });
  await http.startAllMicroservices();
  await http.listen(config.port, config.host);
  await threads?.started;
  return {
    app: http,
    config,
    infra,
    stop: async () => {
      await http.close();
      await threads?.stop();
      await infra.close();
    },
  };
}

/**
 * The body of embedded mode's worker entry: runs the services the main thread named (`workerData`) on an Infra of
 * this thread's own — its own connections to events.db and keys.db, its broker joined to the main thread's by a
 * `BrokerBridge`, and the read store only if it runs segmentation. Closes everything when the main thread says stop.
 */
export function runEmbeddedWorker(modules: ServiceModules): Promise<void> {
  const { services, bridgePort } = workerData as WorkerThreadData;
  const thread = services.join('+');
  const logger = createLogger('roster', process.env.LOG_LEVEL ?? 'info').child({ thread });
  return (async () => {
    try {
      const config = loadConfig();
      const serviceModules = await load(modules, services);
      const infra = await createEmbeddedInfra(config, logger, { readStore: services.includes('segmentation') });
      const bridge = new BrokerBridge(infra.broker, bridgePort);
      const stopRelay = relayAppended(infra.eventStore, [bridge]);
      const root = rootModule(infra, config, 'roster', serviceModules, { thread });
      const app = await NestFactory.createMicroservice(root, { strategy: new InProcessServer(infra.broker), bufferLogs: true });
      app.useLogger(app.get(PinoNestLogger));
      await app.listen();
      parentPort!.on('message', (message: WorkerControl) => {
        if (message.t !== 'stop') return;
        void (async () => {
          await app.close();
          await infra.close();
          stopRelay();
          bridge.close();
          logger.info('worker thread stopped');
        })().then(
          () => process.exit(0),
          (error: Error) => {
            logger.error({ err: { type: error.name, message: error.message } }, 'worker thread stop failed');
            process.exit(1);
          },
        );
      });
      parentPort!.postMessage({ t: 'started' } satisfies WorkerControl);
      logger.info({ services }, 'worker thread started');
    } catch (error) {
      logger.fatal({ err: { type: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack } }, 'worker thread could not start');
      process.exit(1);
    }
  })();
}
