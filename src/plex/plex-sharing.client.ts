import { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import {
  PlexAlreadySharedError,
  PlexAuthError,
  PlexError,
  PlexNotFoundError,
  PlexRateLimitedError,
  PlexResponseError,
  PlexShareGoneError,
  PlexShareRequestError,
} from './errors';
import { describeIssue, sharedServerSchema, toPlexShare, type PlexShare } from './schemas';
import {
  errorElementSchema,
  librarySectionSchema,
  serverInfoSchema,
  toPlexLibrary,
  type PlexLibrary,
  type PlexServerLibraries,
  type ShareRequestBody,
} from './plex-sharing.schemas';
import { ConcurrencyLimiter } from '../http/concurrency-limiter';
import { Retryable, withRetries } from '../http/retry';
import { parseXmlStream, XmlSyntaxError, type XmlElementHandler } from './xml-stream';
import { createPlexHttp, transportFailure, type PlexHttpOptions } from './plex-http';

export type { PlexLibrary, PlexServerLibraries } from './plex-sharing.schemas';

export interface PlexSharingClientOptions extends PlexHttpOptions {
  /** Requests in flight at once, default 5: a big restore must not flood plex.tv. */
  concurrency?: number;
  /** The longest `Retry-After` we wait out, default 60 s; a longer one fails the call at once. */
  maxRetryAfterMs?: number;
}

/** Who gets a share: an e-mail or Plex username (an invite), or the id of a known plex.tv account. */
export type Invitee = { emailOrUsername: string } | { accountId: number };

export interface ShareTarget {
  machineIdentifier: string;
  /** For messages only; the machine identifier when not given. */
  serverName?: string;
}

/** A share as plex.tv answered it, with the libraries it holds. */
export interface CreatedShare extends PlexShare {
  machineIdentifier: string;
  libraryIds: number[];
}

/** plex.tv's sharing writes, as the services use them (an interface so a service can be given another). */
export interface PlexSharingApi {
  getServerLibraries(machineIdentifier: string): Promise<PlexServerLibraries>;
  /** Throws PlexAlreadySharedError when the user already has a share of this server. */
  share(target: ShareTarget & { invitee: Invitee; librarySectionIds: number[] }): Promise<CreatedShare>;
  /** Throws PlexShareGoneError when the share no longer exists. */
  updateShare(target: ShareTarget & { shareId: number; user: string; librarySectionIds: number[] }): Promise<void>;
  /** Throws PlexShareGoneError when the share no longer exists (the caller decides whether that is fine). */
  unshare(target: ShareTarget & { shareId: number; user: string }): Promise<void>;
}

interface WriteContext {
  /** The action with both names, e.g. `sharing Cabin with zoe`: goes into every error. */
  what: string;
  user: string;
  server: string;
  shareId?: number;
}

/**
 * The plex.tv sharing client (v1 endpoints, the ones current clients still use). Every request
 * goes through one limiter: at most `concurrency` at once, and a 429 pauses them all for its
 * `Retry-After`. 5xx and network failures are retried with backoff; everything else becomes a
 * typed error naming the user and the server. The token is only ever sent as a header.
 */
export class PlexSharingClient implements PlexSharingApi {
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly limiter: ConcurrencyLimiter;
  private requestCount = 0;

  constructor(private readonly options: PlexSharingClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? 5);
    // Bodies stay text: XML answers and JSON errors are both parsed here.
    this.http = createPlexHttp(options, { responseType: 'text', transformResponse: (data: unknown) => data });
  }

  /** HTTP requests sent so far, retries included (the benchmark counts them). */
  get requestsSent(): number {
    return this.requestCount;
  }

  async getServerLibraries(machineIdentifier: string): Promise<PlexServerLibraries> {
    const path = serverPath(machineIdentifier);
    const context: WriteContext = { what: `reading the libraries of ${machineIdentifier}`, user: '-', server: machineIdentifier };
    const body = await this.send('GET', path, undefined, context, (status) => {
      if (status === 404) throw new PlexNotFoundError(`GET ${path}`);
    });
    let name = machineIdentifier;
    const libraries: PlexLibrary[] = [];
    await parseXml(`GET ${path}`, body, {
      open: (element, attributes, elementPath) => {
        if (element === 'Server' && elementPath.length === 2) {
          name = parseElement('Server', serverInfoSchema, attributes).name || machineIdentifier;
        } else if (element === 'Section' && elementPath.length === 3) {
          libraries.push(toPlexLibrary(parseElement('Section', librarySectionSchema, attributes)));
        }
      },
    });
    return { machineIdentifier, name, libraries };
  }

  async share(target: ShareTarget & { invitee: Invitee; librarySectionIds: number[] }): Promise<CreatedShare> {
    const server = target.serverName ?? target.machineIdentifier;
    const user = 'accountId' in target.invitee ? `Plex account ${target.invitee.accountId}` : target.invitee.emailOrUsername;
    const context: WriteContext = { what: `sharing ${server} with ${user}`, user, server };
    const body: ShareRequestBody = {
      server_id: target.machineIdentifier,
      shared_server: {
        library_section_ids: target.librarySectionIds,
        ...('accountId' in target.invitee ? { invited_id: target.invitee.accountId } : { invited_email: target.invitee.emailOrUsername }),
      },
      sharing_settings: {},
    };
    const path = `${serverPath(target.machineIdentifier)}/shared_servers`;
    const answer = await this.send('POST', path, body, context, (status, detail) => {
      if (status === 422 || (status === 400 && /already shar/i.test(detail ?? ''))) throw new PlexAlreadySharedError(user, server, status);
      if (status === 404) throw new PlexNotFoundError(`POST ${path}`);
    });
    let created: CreatedShare | null = null;
    await parseXml(`POST ${path}`, answer, {
      open: (element, attributes, elementPath) => {
        if (element === 'SharedServer' && elementPath.length === 2 && !created) {
          created = { ...toPlexShare(parseElement('SharedServer', sharedServerSchema, attributes)), machineIdentifier: target.machineIdentifier, libraryIds: [] };
        } else if (element === 'Section' && elementPath.length === 3 && created) {
          const section = parseElement('Section', librarySectionSchema, attributes);
          if (section.shared !== '0') {
            created.libraryIds.push(Number(section.id));
            created.libraries.push(section.title);
          }
        }
      },
    });
    if (!created) throw new PlexResponseError(`POST ${path}`, 'no <SharedServer> in the answer');
    return created;
  }

  async updateShare(target: ShareTarget & { shareId: number; user: string; librarySectionIds: number[] }): Promise<void> {
    const server = target.serverName ?? target.machineIdentifier;
    const context: WriteContext = { what: `changing the libraries ${target.user} has on ${server}`, user: target.user, server, shareId: target.shareId };
    const body: ShareRequestBody = { server_id: target.machineIdentifier, shared_server: { library_section_ids: target.librarySectionIds } };
    await this.send('PUT', `${serverPath(target.machineIdentifier)}/shared_servers/${target.shareId}`, body, context);
  }

  async unshare(target: ShareTarget & { shareId: number; user: string }): Promise<void> {
    const server = target.serverName ?? target.machineIdentifier;
    const context: WriteContext = { what: `unsharing ${server} from ${target.user}`, user: target.user, server, shareId: target.shareId };
    await this.send('DELETE', `${serverPath(target.machineIdentifier)}/shared_servers/${target.shareId}`, undefined, context);
  }

  /**
   * One call with retries, each attempt through the limiter. `special` maps statuses a call gives
   * its own meaning (already sharing, unknown server) before the common mapping.
   */
  private async send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: ShareRequestBody | undefined,
    context: WriteContext,
    special?: (status: number, detail: string | null) => void,
  ): Promise<string> {
    const request = `${method} ${path}`;
    return withRetries(
      () =>
        this.limiter.run(async () => {
          this.requestCount++;
          const response = await this.http.request<string>({ method, url: path, data: body });
          const text = typeof response.data === 'string' ? response.data : '';
          if (response.status >= 200 && response.status < 300) return text;
          const detail = await errorDetail(text);
          special?.(response.status, detail);
          throw this.statusError(response.status, response.headers['retry-after'], detail, context);
        }),
      (raw) => this.classify(raw, request),
      { retries: this.retries, delayMs: this.retryDelayMs },
    );
  }

  private statusError(status: number, retryAfterHeader: unknown, detail: string | null, context: WriteContext): Error {
    const { what, user, server } = context;
    if (status === 401) return new PlexAuthError();
    if (status === 404 && context.shareId !== undefined) return new PlexShareGoneError(user, server, context.shareId);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(retryAfterHeader);
      if (retryAfterMs !== null && retryAfterMs > this.maxRetryAfterMs) return new PlexRateLimitedError(what, user, server, 1, retryAfterMs);
      // Everyone waits, not only this call: plex.tv limits the account, not the request.
      this.limiter.pauseFor(retryAfterMs ?? this.retryDelayMs);
      return new Retryable((attempts) => new PlexRateLimitedError(what, user, server, attempts, retryAfterMs), retryAfterMs ?? undefined);
    }
    if (status >= 500) return new Retryable((attempts) => new PlexShareRequestError(what, user, server, status, attempts, detail));
    return new PlexShareRequestError(what, user, server, status, 1, detail);
  }

  /** Sorts a failure into a typed error, retryable (connection failures) or final. */
  private classify(raw: unknown, request: string): Error {
    if (raw instanceof PlexError || raw instanceof Retryable) return raw;
    return transportFailure(raw, request, { baseUrl: this.options.baseUrl, timeoutMs: this.timeoutMs }) ?? (raw instanceof Error ? raw : new Error(String(raw)));
  }
}

function serverPath(machineIdentifier: string): string {
  return `/api/servers/${encodeURIComponent(machineIdentifier)}`;
}

/** `Retry-After` in seconds or as an HTTP date, in ms; null when absent or unreadable. */
export function parseRetryAfter(header: unknown): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** plex.tv's reason from an error body (`<error message>` or `<Response status>`), or null. */
async function errorDetail(body: string): Promise<string | null> {
  if (!body.trim().startsWith('<')) return body.trim().slice(0, 200) || null;
  let detail: string | null = null;
  try {
    await parseXmlStream(Readable.from([body]), {
      open: (name, attributes) => {
        if (detail !== null || (name !== 'error' && name !== 'Response')) return;
        const parsed = errorElementSchema.safeParse(attributes);
        if (parsed.success) detail = (name === 'error' ? parsed.data.message : parsed.data.status) ?? null;
      },
    });
  } catch {
    // A broken error body still leaves the status to report.
  }
  return detail;
}

class InvalidElementError extends Error {}

async function parseXml(request: string, body: string, handler: XmlElementHandler): Promise<void> {
  let rootChecked = false;
  await parseXmlStream(Readable.from([body]), {
    open: (name, attributes, path) => {
      if (!rootChecked) {
        rootChecked = true;
        if (name !== 'MediaContainer') throw new PlexResponseError(request, `expected <MediaContainer>, got <${name}>`);
      }
      handler.open(name, attributes, path);
    },
    close: handler.close?.bind(handler),
  }).catch((error: unknown) => {
    if (error instanceof XmlSyntaxError) throw new PlexResponseError(request, `broken XML (${error.message})`);
    if (error instanceof InvalidElementError) throw new PlexResponseError(request, error.message);
    throw error;
  });
}

function parseElement<S extends z.ZodTypeAny>(element: string, schema: S, attributes: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(attributes);
  if (!parsed.success) throw new InvalidElementError(describeIssue(element, parsed.error));
  return parsed.data;
}

