import { runService } from '@roster/platform';
import { UserProfileModule } from './user-profile.module';

void runService('user-profile', UserProfileModule);
