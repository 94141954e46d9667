import { userRecordSuite } from './user-record.suite';
import { startEmbedded } from './support/deployment';

userRecordSuite('embedded', startEmbedded);
