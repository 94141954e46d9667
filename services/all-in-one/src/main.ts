import { join } from 'node:path';
import { runEmbedded } from '@roster/platform';
import { configureHttp } from '../../gateway/src/http/configure-http';
import { EMBEDDED_MODULES } from './modules';

// worker.js sits beside this file in dist (swc keeps the layout of services/).
void runEmbedded(EMBEDDED_MODULES, { http: configureHttp, workerScript: join(__dirname, 'worker.js') });
