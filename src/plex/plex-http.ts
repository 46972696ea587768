import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';

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
