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

/** The headers plex.tv expects of a client: token, client identifier, product, version. */
export function plexHeaders(options: PlexHttpOptions): Record<string, string> {
  return {
    Accept: 'application/xml',
    'X-Plex-Token': options.token,
    'X-Plex-Client-Identifier': options.clientIdentifier,
    'X-Plex-Product': options.product ?? 'streams-manager-bot',
    'X-Plex-Version': options.version ?? '0.1.0',
  };
}
