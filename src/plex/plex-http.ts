import axios, { isAxiosError, type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { Retryable } from '../http/retry';
import { PlexNetworkError, PlexTimeoutError } from './errors';

/** How this install talks to plex.tv: the same for the reading and the sharing client. */
export interface PlexHttpOptions {
  baseUrl: string;
  token: string;
  clientIdentifier: string;
  /** Idle time allowed for an answer, default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after a 5xx or a network error (the sharing client also retries a 429). */
  retries?: number;
  /** First backoff delay; it doubles on each retry. */
  retryDelayMs?: number;
  product?: string;
  version?: string;
}

/**
 * An axios instance for plex.tv with the headers plex.tv expects of a client (token, client
 * identifier, product, version). Every status comes back as an answer: each client turns its
 * failures into typed errors itself.
 */
export function createPlexHttp(options: PlexHttpOptions, extra: CreateAxiosDefaults = {}): AxiosInstance {
  return axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    timeout: options.timeoutMs ?? 30_000,
    headers: {
      Accept: 'application/xml',
      'X-Plex-Token': options.token,
      'X-Plex-Client-Identifier': options.clientIdentifier,
      'X-Plex-Product': options.product ?? 'streams-manager-bot',
      'X-Plex-Version': options.version ?? '0.1.0',
    },
    validateStatus: () => true,
    maxRedirects: 3,
    ...extra,
  });
}

/**
 * A failure before plex.tv answered: a timeout (final: the idle time is the caller's setting), or a
 * connection failure (worth another try). Null for anything else. Only the error's code and message
 * are kept, never its config (which carries the token).
 */
export function transportFailure(raw: unknown, request: string, options: Pick<PlexHttpOptions, 'baseUrl' | 'timeoutMs'>): Error | null {
  if (!isAxiosError(raw) && !(raw instanceof Error && typeof (raw as { code?: unknown }).code === 'string')) return null;
  const code = (raw as { code?: string }).code ?? '';
  const message = (raw as Error).message ?? '';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message)) return new PlexTimeoutError(request, options.timeoutMs ?? 30_000);
  const cause = code || message || 'network error';
  return new Retryable((attempts) => new PlexNetworkError(request, options.baseUrl, cause, attempts));
}
