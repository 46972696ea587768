import axios, { isAxiosError, type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { Retryable } from '../http/retry';
import { PlexNetworkError, PlexTimeoutError } from './errors';
import { plexHeaders, type PlexHttpOptions } from './plex-headers';

export type { PlexHttpOptions };

/**
 * An axios instance for plex.tv with the headers plex.tv expects of a client (token, client
 * identifier, product, version). Every status comes back as an answer: each client turns its
 * failures into typed errors itself.
 */
export function createPlexHttp(options: PlexHttpOptions, extra: CreateAxiosDefaults = {}): AxiosInstance {
  return axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    timeout: options.timeoutMs ?? 30_000,
    headers: plexHeaders(options),
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
