import { startEmbedded } from './support/deployment';
import { webhooksSuite } from './webhooks.suite';

webhooksSuite('embedded', () => startEmbedded());
