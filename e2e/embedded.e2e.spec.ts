import { rosterSuite } from './roster.suite';
import { startEmbedded } from './support/deployment';

rosterSuite('embedded', startEmbedded);
