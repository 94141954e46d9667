import { USER_PROFILE_EVENTS } from './user-profile';
import { INGESTION_EVENTS } from './ingestion';

/**
 * Dotted paths of personal data in each event type's `data` (`*` matches every key of a map). The event serializer
 * encrypts exactly these with the data subject's key before an append and decrypts them after a read.
 */
export const PERSONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [USER_PROFILE_EVENTS.created]: ['channelUserId', 'profile.*'],
  [USER_PROFILE_EVENTS.profileUpdated]: ['changes.*'],
  [USER_PROFILE_EVENTS.fieldSet]: ['value'],
  [USER_PROFILE_EVENTS.noteAdded]: ['text'],
  [USER_PROFILE_EVENTS.noteEdited]: ['text'],
  [INGESTION_EVENTS.inboundAccepted]: ['event.channelUserId', 'event.profile.*', 'event.value'],
};
