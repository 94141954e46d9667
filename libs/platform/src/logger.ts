import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that may hold personal data anywhere a log line could carry them. Roster code logs ids and counts only;
 * this is the safety net for request bodies, headers and error objects.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.body',
  '*.authorization',
  '*.apiKey',
  '*.key',
  '*.secret',
  '*.profile',
  '*.firstName',
  '*.lastName',
  '*.name',
  '*.phone',
  '*.email',
  '*.channelUserId',
  '*.profilePicUrl',
  '*.text',
  '*.value',
  '*.fields',
  'event',
  'events',
  'body',
  'payload',
];

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(loggerOptions(service, level));
}
