export { verifyMetaSignature, verifyTwilioSignature, metaVerificationChallenge, twilioSignatureBase } from './signatures';
export { mapMetaWebhook, metaExternalIds, type MetaChannel } from './meta';
export { mapWhatsAppWebhook, whatsAppExternalIds } from './whatsapp';
export { mapTwilioSms, mapTwilioVoice, EMPTY_TWIML, TWILIO_OPT_OUT_KEYWORDS, TWILIO_OPT_IN_KEYWORDS, type TwilioMapResult } from './twilio';
export type { WebhookEntry, WebhookMapResult, WebhookRejection } from './common';
