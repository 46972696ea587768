import type { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { PlexAuthError, PlexError, PlexHttpError, PlexNotFoundError, PlexResponseError } from './errors';
import {
  describeIssue,
  deviceSchema,
  isSharedSection,
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
import { createPlexHttp, transportFailure, type PlexHttpOptions } from './plex-http';

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


export class PlexTvClient implements PlexTvApi, PlexAccountApi {
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private requestCount = 0;

  constructor(private readonly options: PlexTvClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.http = createPlexHttp(options);
  }

  /** HTTP requests sent so far (the benchmark checks that a sync sends a constant number). */
  get requestsSent(): number {
    return this.requestCount;
  }

  async getOwnedServers(): Promise<PlexServer[]> {
    return this.getXml('/api/resources?includeHttps=1', () => {
      const servers: PlexServer[] = [];
      return {
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
      return {
        open: (name, attributes, path) => {
          if (name === 'User' && path.length === 2) {
            current = toPlexUser(parseElement('User', userSchema, attributes));
            users.push(current);
          } else if (name === 'Server' && path.length === 3 && current) {
            // owned="0": a server this user shares with the owner, not one of ours.
            const server = toUserServer(parseElement('Server', userServerSchema, attributes));
            if (server) current.servers.push(server);
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
        open: (name, attributes, elementPath) => {
          if (name === 'SharedServer' && elementPath.length === 2) {
            current = toPlexShare(parseElement('SharedServer', sharedServerSchema, attributes));
            shares.push(current);
          } else if (name === 'Section' && elementPath.length === 3 && current) {
            const section = parseElement('Section', sectionSchema, attributes);
            if (isSharedSection(section)) current.libraries.push(section.title);
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
      const response = await this.http.get<Readable>(path, { responseType: 'stream' });
      if (response.status !== 200) {
        response.data.resume();
        this.checkStatus(response.status, request, path);
        throw new PlexResponseError(request, `unexpected status ${response.status}`);
      }
      const collector = makeCollector();
      let rootChecked = false;
      await parseXmlStream(response.data, {
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
    return transportFailure(raw, request, { baseUrl: this.options.baseUrl, timeoutMs: this.timeoutMs }) ?? (raw instanceof Error ? raw : new Error(String(raw)));
  }
}

class InvalidElementError extends Error {}

function parseElement<S extends z.ZodTypeAny>(element: string, schema: S, attributes: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(attributes);
  if (!parsed.success) throw new InvalidElementError(describeIssue(element, parsed.error));
  return parsed.data;
}

