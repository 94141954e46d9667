import { runEmbedded } from '@roster/platform';
import { configureHttp } from '../../gateway/src/http/configure-http';
import { EMBEDDED_MODULES } from './modules';

void runEmbedded(EMBEDDED_MODULES, { http: configureHttp });
