import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { Retryable, withRetries } from '../http/retry';
import { PlexError, PlexHttpError, PlexResponseError } from './errors';
import { createPlexHttp, transportFailure, type PlexHttpOptions } from './plex-http';

/** A sign-in PIN: the code goes into Plex's sign-in URL, the id is polled until a token arrives. */
export interface PlexPin {
  id: number;
  code: string;
  /** Seconds the PIN lives, as plex.tv said (about 30 minutes for a strong PIN). */
  expiresIn: number;
}

/** Who signed in: the plex.tv account id is the one /api/users lists. */
export interface PlexAccountIdentity {
  id: number;
  username: string | null;
  email: string | null;
  title: string | null;
}

/** plex.tv's PIN sign-in, as the member flow uses it (an interface so tests or another client can stand in). */
export interface PlexPinApi {
  /**
   * A strong PIN (default) is a long code for the sign-in URL; `strong: false` asks for the
   * 4-character code a person types at https://plex.tv/link (it lives shorter: read expiresIn).
   */
  createPin(options?: { strong?: boolean }): Promise<PlexPin>;
  /** The PIN's token once someone signed in, null while waiting; `expired` once plex.tv no longer knows it (404). */
  checkPin(id: number): Promise<{ authToken: string | null } | 'expired'>;
  /** Reads the account a token belongs to. The token is sent as a header and kept nowhere. */
  whoIs(token: string): Promise<PlexAccountIdentity>;
}

const pinSchema = z.object({
  id: z.number().int(),
  code: z.string().min(1),
  expiresIn: z.number().int().nonnegative().optional(),
  authToken: z.string().nullable().optional(),
});

const userSchema = z.object({
  id: z.number().int(),
  username: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
});

/** The product name plex.tv shows on the sign-in page and in the member's devices. */
export const PLEX_PRODUCT = 'streams-manager-bot';

/** A strong PIN lives about 30 minutes; when plex.tv omits expiresIn, assume the short end. */
const DEFAULT_EXPIRES_IN = 15 * 60;

/**
 * plex.tv's v2 PIN endpoints (JSON). These calls never carry the owner's token: a PIN belongs to
 * this install (its client identifier), and the member's token is only sent to read who they are.
 */
export class PlexPinClient implements PlexPinApi {
  private readonly http: AxiosInstance;

  constructor(private readonly options: Omit<PlexHttpOptions, 'token'>) {
    // Headers replaced whole: the owner's X-Plex-Token must not go out with a member's sign-in.
    this.http = createPlexHttp(
      { ...options, token: '' },
      {
        headers: {
          Accept: 'application/json',
          'X-Plex-Client-Identifier': options.clientIdentifier,
          'X-Plex-Product': options.product ?? PLEX_PRODUCT,
          'X-Plex-Version': options.version ?? '0.1.0',
        },
      },
    );
  }

  async createPin(options: { strong?: boolean } = {}): Promise<PlexPin> {
    const query = options.strong === false ? '' : '?strong=true';
    const body = await this.send('POST', `/api/v2/pins${query}`, undefined, (status) => status === 201 || status === 200);
    const pin = parse(pinSchema, body, 'POST /api/v2/pins');
    return { id: pin.id, code: pin.code, expiresIn: pin.expiresIn ?? DEFAULT_EXPIRES_IN };
  }

  async checkPin(id: number): Promise<{ authToken: string | null } | 'expired'> {
    const request = `GET /api/v2/pins/${id}`;
    let gone = false;
    const body = await this.send('GET', `/api/v2/pins/${id}`, undefined, (status) => {
      if (status === 404) gone = true;
      return status === 200 || status === 404;
    });
    if (gone) return 'expired';
    return { authToken: parse(pinSchema, body, request).authToken ?? null };
  }

  async whoIs(token: string): Promise<PlexAccountIdentity> {
    const body = await this.send('GET', '/api/v2/user', token, (status) => status === 200);
    const user = parse(userSchema, body, 'GET /api/v2/user');
    return { id: user.id, username: user.username ?? null, email: user.email ?? null, title: user.title ?? null };
  }

  private async send(method: 'GET' | 'POST', path: string, token: string | undefined, accept: (status: number) => boolean): Promise<unknown> {
    const request = `${method} ${path.split('?')[0]}`;
    return withRetries(
      async () => {
        const response = await this.http.request({ method, url: path, headers: token ? { 'X-Plex-Token': token } : {} });
        if (accept(response.status)) return response.data as unknown;
        if (response.status >= 500 || response.status === 429) throw new Retryable((attempts) => new PlexHttpError(response.status, request, attempts));
        throw new PlexHttpError(response.status, request, 1);
      },
      (raw) => this.classify(raw, request),
      { retries: this.options.retries ?? 3, delayMs: this.options.retryDelayMs ?? 500 },
    );
  }

  private classify(raw: unknown, request: string): Error {
    if (raw instanceof PlexError || raw instanceof Retryable) return raw;
    const transport = transportFailure(raw, request, this.options);
    if (transport) return transport;
    return raw instanceof Error ? new PlexError(`${request} failed: ${raw.message}`) : new PlexError(`${request} failed`);
  }
}

function parse<S extends z.ZodTypeAny>(schema: S, body: unknown, request: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new PlexResponseError(request, 'not the JSON plex.tv sends');
  return parsed.data;
}

/** Plex's sign-in page for a PIN: the member opens it, signs in, and the PIN gets its token. */
export function plexSignInUrl(authUrl: string, pin: PlexPin, clientIdentifier: string, product: string): string {
  const params = [`clientID=${encodeURIComponent(clientIdentifier)}`, `code=${encodeURIComponent(pin.code)}`, `context%5Bdevice%5D%5Bproduct%5D=${encodeURIComponent(product)}`];
  return `${authUrl.replace(/#.*$/, '')}#?${params.join('&')}`;
}
