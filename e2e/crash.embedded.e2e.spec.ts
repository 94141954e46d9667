import { crashSuite } from './crash.suite';
import { startEmbedded } from './support/deployment';

crashSuite('embedded', () => startEmbedded(), [{ name: 'the embedded process', crash: (deployment) => deployment.crash!() }]);
