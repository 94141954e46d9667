import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { ServiceName } from '@roster/contracts';
import type { SqliteEventStore } from '@roster/eventstore';
import { BrokerBridge, type InProcessBroker } from '@roster/messaging';
import type { Logger } from 'pino';

/** What the main thread hands a worker thread at start. */
export interface WorkerThreadData {
  readonly services: readonly ServiceName[];
  readonly bridgePort: MessagePort;
}

/** Lifecycle messages between the main thread and a worker (the bridge port carries the services' traffic). */
export type WorkerControl = { readonly t: 'started' } | { readonly t: 'stop' };

/** The signal name the bridges carry after a commit to the event store in one thread. */
const APPENDED = 'appended';

/**
 * Wakes event-store subscriptions across threads: a commit through this thread's store connection is signalled over
 * every bridge; a signal arriving over one bridge wakes this thread's subscriptions and is passed on over the other
 * bridges (the main thread is the hub of a star), never back where it came from.
 */
export function relayAppended(store: SqliteEventStore, bridges: readonly BrokerBridge[]): () => void {
  const stops = [store.onCommitted(() => bridges.forEach((bridge) => bridge.signal(APPENDED)))];
  for (const from of bridges) {
    stops.push(
      from.onSignal(APPENDED, () => {
        store.notifyAppended();
        for (const other of bridges) if (other !== from) other.signal(APPENDED);
      }),
    );
  }
  return () => stops.forEach((stop) => stop());
}

/** V8 limits of the worker thread that runs `services`: the young generation of the one holding the read store. */
export function workerResourceLimits(services: readonly ServiceName[], readStoreYoungGenerationMb: number): ResourceLimits | undefined {
  return services.includes('segmentation') && readStoreYoungGenerationMb > 0 ? { maxYoungGenerationSizeMb: readStoreYoungGenerationMb } : undefined;
}

/** One worker thread running some services, joined to the main thread's broker. */
interface RunningWorker {
  readonly name: string;
  readonly worker: Worker;
  readonly bridge: BrokerBridge;
  readonly started: Promise<void>;
  readonly exited: Promise<number>;
}

export interface WorkerThreads {
  readonly bridges: readonly BrokerBridge[];
  /** Resolves when every worker's services answer on their bridge; rejects if one fails to start. */
  readonly started: Promise<void>;
  /** Asks every worker to close its Nest app and its infra (the read store writes its snapshot) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts one worker thread per group of services (`script` is the compiled worker entry, which calls
 * `runEmbeddedWorker`). A worker that exits while the process is not stopping ends the process with code 1: the
 * supervisor (systemd, Docker, Kubernetes) restarts it whole, which is simpler and safer than restarting one thread
 * whose projections and walks were half done.
 */
export function startWorkerThreads(
  groups: readonly (readonly ServiceName[])[],
  script: string,
  broker: InProcessBroker,
  store: SqliteEventStore,
  logger: Logger,
  readStoreYoungGenerationMb = 0,
): WorkerThreads {
  let stopping = false;
  const workers = groups.map((services): RunningWorker => {
    const name = services.join('+');
    const { port1, port2 } = new MessageChannel();
    const data: WorkerThreadData = { services, bridgePort: port2 };
    const resourceLimits = workerResourceLimits(services, readStoreYoungGenerationMb);
    const worker = new Worker(script, { workerData: data, transferList: [port2], name: `roster-${name}`, resourceLimits });
    const bridge = new BrokerBridge(broker, port1);
    const started = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerControl) => message.t === 'started' && resolve());
      worker.once('exit', (code) => reject(new Error(`worker thread ${name} exited with code ${code} before it started`)));
    });
    started.catch(() => undefined);
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    worker.on('error', (error) => logger.fatal({ thread: name, err: { type: error.name, message: error.message, stack: error.stack } }, 'worker thread failed'));
    worker.once('exit', (code) => {
      bridge.close();
      if (stopping) return;
      logger.fatal({ thread: name, code }, 'worker thread exited; stopping the process so that it is restarted whole');
      process.exit(1);
    });
    logger.info({ thread: name, threadId: worker.threadId, services, ...(resourceLimits && { resourceLimits }) }, 'worker thread starting');
    return { name, worker, bridge, started, exited };
  });
  const bridges = workers.map((w) => w.bridge);
  const stopRelay = relayAppended(store, bridges);
  return {
    bridges,
    started: Promise.all(workers.map((w) => w.started)).then(() => undefined),
    async stop() {
      stopping = true;
      for (const { worker } of workers) worker.postMessage({ t: 'stop' } satisfies WorkerControl);
      const codes = await Promise.all(workers.map((w) => w.exited));
      stopRelay();
      codes.forEach((code, i) => code !== 0 && logger.error({ thread: workers[i]!.name, code }, 'worker thread stopped with an error'));
    },
  };
}
