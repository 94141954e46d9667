import { runEmbeddedWorker } from '@roster/platform';
import { EMBEDDED_MODULES } from './modules';

/** Embedded mode's worker thread entry: runs the services the main thread placed here (ROSTER_WORKER_SERVICES). */
void runEmbeddedWorker(EMBEDDED_MODULES);
