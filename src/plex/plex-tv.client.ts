import type { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { PlexAuthError, PlexError, PlexHttpError, PlexNotFoundError, PlexResponseError } from './errors';
import {
  describeIssue,
  deviceSchema,
  isSharedSection,
  own,
  plainlyValid,
  sectionSchema,
  sharedServerSchema,
  toPlexShare,
  toPlexUser,
  toServerDevice,
  toUserServer,
  userSchema,
  userServerSchema,
  type PlexServer,
  type PlexShare,
  type PlexUser,
} from './schemas';
import { Retryable, withRetries } from '../http/retry';
import { parseXmlStream, XmlSyntaxError, type XmlElementHandler } from './xml-stream';
import type * as PlexHttp from './plex-http';
import { plexHeaders, type PlexHttpOptions } from './plex-headers';
import { getStream, proxyConfigured, type StreamedAnswer } from './http-get-stream';

export type PlexTvClientOptions = PlexHttpOptions;

/** What the services need from plex.tv (an interface so a service can be given another source). */
export interface PlexTvApi {
  getOwnedServers(): Promise<PlexServer[]>;
  getUsers(): Promise<PlexUser[]>;
  getShares(machineIdentifier: string): Promise<PlexShare[]>;
  unshare(machineIdentifier: string, shareId: number): Promise<void>;
}

/** The owner's plex.tv account, as GET /api/v2/user (JSON) describes it. */
export interface PlexOwnerAccount {
  id: number;
  username: string | null;
  title: string | null;
}

/** Checks the owner's token: a cheap authenticated read (an interface so the status can be given another). */
export interface PlexAccountApi {
  account(): Promise<PlexOwnerAccount>;
}

const ownerAccountSchema = z.object({
  id: z.number().int(),
  username: z.string().nullish(),
  title: z.string().nullish(),
});

/** A collector builds one result from the elements of one answer; a new one is made per attempt. */
type Collector<T> = XmlElementHandler & { result(): T };

/*
 * The attributes each element's schema reads, the only ones the parser copies out of an answer
 * (zod drops the others anyway): a user has about 20 attributes and a share as many, of which
 * the schemas read 5 to 7.
 */
const keysOf = (schema: z.ZodObject): readonly string[] => Object.keys(schema.shape);
const USERS_ATTRIBUTES = { MediaContainer: [], User: keysOf(userSchema), Server: keysOf(userServerSchema) };
const SHARES_ATTRIBUTES = { MediaContainer: [], SharedServer: keysOf(sharedServerSchema), Section: keysOf(sectionSchema) };
const DEVICES_ATTRIBUTES = { Device: keysOf(deviceSchema) };


/*
 * axios (with its dependencies, ~60–120 ms to load) is needed only for a DELETE, behind a proxy,
 * or to sort a failure: loaded then, so a sync's start-up does not pay for it.
 */
const loadPlexHttp = (): typeof PlexHttp => require('./plex-http') as typeof PlexHttp;

export class PlexTvClient implements PlexTvApi, PlexAccountApi {
  private axiosHttp: AxiosInstance | null = null;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private requestCount = 0;

  constructor(private readonly options: PlexTvClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.headers = plexHeaders(options);
  }

  private get http(): AxiosInstance {
    return (this.axiosHttp ??= loadPlexHttp().createPlexHttp(this.options));
  }

  /** A GET with its body still streaming: Node's http, or axios when a proxy is configured (axios reads HTTP_PROXY and the like). */
  private async getStreamed(path: string): Promise<StreamedAnswer> {
    if (proxyConfigured()) {
      const response = await this.http.get<Readable>(path, { responseType: 'stream' });
      return { status: response.status, body: response.data };
    }
    return getStream(`${this.options.baseUrl.replace(/\/+$/, '')}${path}`, { headers: this.headers, timeoutMs: this.timeoutMs });
  }

  /** HTTP requests sent so far (the benchmark checks that a sync sends a constant number). */
  get requestsSent(): number {
    return this.requestCount;
  }

  async getOwnedServers(): Promise<PlexServer[]> {
    return this.getXml('/api/resources?includeHttps=1', () => {
      const servers: PlexServer[] = [];
      return {
        attributes: DEVICES_ATTRIBUTES,
        open: (name, attributes, path) => {
          if (name !== 'Device' || path.length !== 2) return;
          const { server } = toServerDevice(parseElement('Device', deviceSchema, attributes));
          if (server) servers.push(server);
        },
        result: () => servers,
      };
    });
  }

  async getUsers(): Promise<PlexUser[]> {
    return this.getXml('/api/users', () => {
      const users: PlexUser[] = [];
      let current: PlexUser | null = null;
      // Each user lists the owner's servers by machine identifier: one copy of each, not one per listing.
      const machineIds = new Map<string, string>();
      return {
        attributes: USERS_ATTRIBUTES,
        open: (name, attributes, path) => {
          if (name === 'User' && path.length === 2) {
            current = toPlexUser(parseElement('User', userSchema, attributes, plainlyValid.user));
            users.push(current);
          } else if (name === 'Server' && path.length === 3 && current) {
            // owned="0": a server this user shares with the owner, not one of ours.
            const server = toUserServer(parseElement('Server', userServerSchema, attributes, plainlyValid.userServer));
            if (server) {
              let id = machineIds.get(server.machineIdentifier);
              if (id === undefined) machineIds.set(server.machineIdentifier, (id = own(server.machineIdentifier)));
              server.machineIdentifier = id;
              current.servers.push(server);
            }
          }
        },
        close: (name, path) => {
          if (name === 'User' && path.length === 2) current = null;
        },
        result: () => users,
      };
    });
  }

  async getShares(machineIdentifier: string): Promise<PlexShare[]> {
    const path = `/api/servers/${encodeURIComponent(machineIdentifier)}/shared_servers`;
    return this.getXml(path, () => {
      const shares: PlexShare[] = [];
      let current: PlexShare | null = null;
      return {
        attributes: SHARES_ATTRIBUTES,
        open: (name, attributes, elementPath) => {
          if (name === 'SharedServer' && elementPath.length === 2) {
            current = toPlexShare(parseElement('SharedServer', sharedServerSchema, attributes, plainlyValid.sharedServer));
            shares.push(current);
          } else if (name === 'Section' && elementPath.length === 3 && current) {
            const section = parseElement('Section', sectionSchema, attributes, plainlyValid.section);
            if (isSharedSection(section)) current.libraries.push(own(section.title));
          }
        },
        close: (name, elementPath) => {
          if (name === 'SharedServer' && elementPath.length === 2) current = null;
        },
        result: () => shares,
      };
    });
  }

  async unshare(machineIdentifier: string, shareId: number): Promise<void> {
    const path = `/api/servers/${encodeURIComponent(machineIdentifier)}/shared_servers/${shareId}`;
    await this.withRetries(`DELETE ${path}`, async (request) => {
      const response = await this.http.delete(path, { responseType: 'text' });
      this.checkStatus(response.status, request, path);
    });
  }

  /** Who the token belongs to: one small JSON answer, so it serves to check the token and that plex.tv answers. */
  async account(): Promise<PlexOwnerAccount> {
    const path = '/api/v2/user';
    return this.withRetries(`GET ${path}`, async (request) => {
      const response = await this.http.get<string>(path, { responseType: 'text', headers: { Accept: 'application/json' } });
      this.checkStatus(response.status, request, path);
      let body: unknown;
      try {
        body = JSON.parse(response.data);
      } catch {
        throw new PlexResponseError(request, 'not JSON');
      }
      const parsed = ownerAccountSchema.safeParse(body);
      if (!parsed.success) throw new PlexResponseError(request, 'not the account JSON plex.tv sends');
      return { id: parsed.data.id, username: parsed.data.username || null, title: parsed.data.title || null };
    });
  }

  private async getXml<T>(path: string, makeCollector: () => Collector<T>): Promise<T> {
    const request = `GET ${path.split('?')[0]}`;
    return this.withRetries(request, async () => {
      const response = await this.getStreamed(path);
      if (response.status !== 200) {
        response.body.resume();
        this.checkStatus(response.status, request, path);
        throw new PlexResponseError(request, `unexpected status ${response.status}`);
      }
      const collector = makeCollector();
      let rootChecked = false;
      await parseXmlStream(response.body, {
        attributes: collector.attributes,
        open: (name, attributes, elementPath) => {
          if (!rootChecked) {
            rootChecked = true;
            if (name !== 'MediaContainer') throw new PlexResponseError(request, `expected <MediaContainer>, got <${name}>`);
          }
          collector.open(name, attributes, elementPath);
        },
        close: collector.close?.bind(collector),
      }).catch((error: unknown) => {
        if (error instanceof XmlSyntaxError) throw new PlexResponseError(request, `broken XML (${error.message})`);
        if (error instanceof InvalidElementError) throw new PlexResponseError(request, error.message);
        throw error;
      });
      return collector.result();
    });
  }

  private checkStatus(status: number, request: string, path: string): void {
    if (status >= 200 && status < 300) return;
    if (status === 401) throw new PlexAuthError();
    if (status >= 500) throw new Retryable((attempts) => new PlexHttpError(status, request, attempts));
    if (status === 404 && path.startsWith('/api/servers/')) {
      throw new PlexNotFoundError(request);
    }
    throw new PlexHttpError(status, request, 1);
  }

  private async withRetries<T>(request: string, attempt: (request: string) => Promise<T>): Promise<T> {
    return withRetries(
      () => {
        this.requestCount++;
        return attempt(request);
      },
      (raw) => this.classify(raw, request),
      { retries: this.retries, delayMs: this.retryDelayMs },
    );
  }

  /** Sorts a failure into a typed error, retryable (5xx, connection failures) or final. */
  private classify(raw: unknown, request: string): Error {
    if (raw instanceof PlexError || raw instanceof Retryable) return raw;
    // Node's http errors may come from another realm (a test sandbox), where instanceof Error fails: keep their message and code.
    const error = raw instanceof Error ? raw : isErrorLike(raw) ? Object.assign(new Error(raw.message), { code: raw.code }) : new Error(String(raw));
    return loadPlexHttp().transportFailure(error, request, { baseUrl: this.options.baseUrl, timeoutMs: this.timeoutMs }) ?? error;
  }
}

class InvalidElementError extends Error {}

function isErrorLike(v: unknown): v is { message: string; code?: string } {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string';
}

/** The element's attributes as the schema reads them: as they are when the hand check passes them, else zod's parse. */
function parseElement<S extends z.ZodTypeAny>(element: string, schema: S, attributes: Record<string, string>, plain?: (a: Record<string, string>) => boolean): z.output<S> {
  if (plain?.(attributes)) return attributes as z.output<S>;
  const parsed = schema.safeParse(attributes);
  if (!parsed.success) throw new InvalidElementError(describeIssue(element, parsed.error));
  return parsed.data;
}

