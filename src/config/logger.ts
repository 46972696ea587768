import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths whose values are secrets: never written to a log. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'authorization',
  '*.authorization',
  'headers["x-plex-token"]',
  'headers["X-Plex-Token"]',
  '*.headers["x-plex-token"]',
  '*.headers["X-Plex-Token"]',
  'headers.authorization',
  '*.headers.authorization',
  'PLEX_TOKEN',
  'DISCORD_TOKEN',
  'PAYPAL_CLIENT_SECRET',
  'STRIPE_SECRET_KEY',
  'config.PLEX_TOKEN',
  'config.DISCORD_TOKEN',
  'config.PAYPAL_CLIENT_SECRET',
  'config.STRIPE_SECRET_KEY',
  'clientSecret',
  '*.clientSecret',
  'secretKey',
  '*.secretKey',
];

/** Logs go to stderr so that `--json` output on stdout stays clean. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/** Removes token query parameters from a URL before it is logged or shown. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:X-Plex-Token|token)=)[^&#]*/gi, '$1[redacted]');
}
