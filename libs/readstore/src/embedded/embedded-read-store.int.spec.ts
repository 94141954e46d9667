import { readStoreConformance } from '../conformance';
import { EmbeddedReadStore } from './embedded-read-store';

readStoreConformance('EmbeddedReadStore', async () => new EmbeddedReadStore());
