/**
 * A fake plex.tv for tests and benchmarks: a real HTTP server on 127.0.0.1 (random port) that
 * answers the owner's v1 XML endpoints the way plex.tv does:
 *
 *   GET    /api/resources                         the owner's devices (servers, shared-in servers, players)
 *   GET    /api/users  (and /api/users/)          every account linked to the owner
 *   GET    /api/servers/{mid}/shared_servers      one <SharedServer> per share of an owned server
 *   GET    /api/servers/{mid}                     an owned server's library sections
 *   POST   /api/servers/{mid}/shared_servers      share (invite): a pending SharedServer, acceptedAt="0"
 *   PUT    /api/servers/{mid}/shared_servers/{id} change a share's libraries
 *   DELETE /api/servers/{mid}/shared_servers/{id} unshare (also cancels a pending invite)
 *
 * and the PIN sign-in (JSON, v2), which needs no owner token:
 *
 *   POST   /api/v2/pins?strong=true              a PIN for this client identifier (201); without
 *                                                 strong=true a 4-character code that lives shorter
 *   GET    /api/v2/pins/{id}                     the PIN; authToken set once signInPin() (a member) or
 *                                                 signInOwner() (the owner's token) ran; 404 once expired
 *   GET    /api/v2/user                          the account of a member's token (X-Plex-Token), or the owner's
 *
 * plex.tv's dead endpoints (DELETE /api/friends/{id}, GET /api/invites/requested,
 * PUT /api/invites/requests/{id}) answer 410 Gone, so a client that calls one fails loudly.
 *
 * Bodies are built as strings, cached per route until update()/a write changes the account, and
 * streamed in chunks. Faults can be injected on any route (reads and writes) to simulate errors,
 * 429 with Retry-After, timeouts, truncated and malformed bodies, and dropped connections.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

import type { FakePlexAccount, FakeServer, FakeShare, FakeUser } from './plex-data';

export type {
  FakePlexAccount,
  FakeSection,
  FakeSectionType,
  FakeServer,
  FakeShare,
  FakeUser,
} from './plex-data';

export interface Fault {
  /** HTTP method to match (case-insensitive); any method when absent. */
  method?: string;
  /** Matched against the request path (no query string). */
  path: RegExp;
  /** How many matching requests this fault applies to. Default 1; Infinity ok. */
  times?: number;
  /** Answer with this status (default 500 when only `body` is given). */
  status?: number;
  /** Body for `status` (default: a plex.tv-style <errors> XML for that status). */
  body?: string;
  /** Extra response headers for a `status` answer, e.g. { 'Retry-After': '1' }. */
  headers?: Record<string, string>;
  /** Wait this long before answering (combine with the others, or alone for a slow normal answer). */
  delayMs?: number;
  /** Send the normal answer's status and headers but only the first half of its body, then end. */
  truncate?: boolean;
  /** Send 200 with broken XML (unclosed attribute quote and elements). */
  malformed?: boolean;
  /** Destroy the socket without answering (network error on the client). */
  destroy?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** The request body as text ('' when none). */
  body: string;
  at: number;
}

/** A sign-in PIN as the fake keeps it. */
export interface FakePin {
  id: number;
  code: string;
  clientIdentifier: string;
  createdAtMs: number;
  expiresIn: number;
  authToken: string | null;
}

/** The account a member signs in with (one of the owner's users, or anyone else). */
export interface FakeSignInAccount {
  id: number;
  username: string;
  email: string;
  title?: string;
}

export interface DeletedShare {
  machineIdentifier: string;
  shareId: number;
}

interface Answer {
  status: number;
  /** The body as a list of chunks (big bodies are rendered straight into ~1 MiB buffers). */
  body: Buffer[];
  headers?: Record<string, string>;
}

function bodyLength(body: Buffer[]): number {
  let n = 0;
  for (const c of body) n += c.length;
  return n;
}

/** The first `n` bytes of a chunked body. */
function headOfBody(body: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let left = n;
  for (const c of body) {
    if (left <= 0) break;
    out.push(c.length <= left ? c : c.subarray(0, left));
    left -= c.length;
  }
  return out;
}

export const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';
export const XML_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';
const CHUNK_SIZE = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// XML helpers
// ---------------------------------------------------------------------------------------------

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const ESCAPE_ALL = /[&<>"'\u0000-\u001f\ufffe\uffff]/g;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escape text for an XML attribute value. Characters XML cannot carry at all are dropped. */
export function xmlEscape(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? '');
}

const b = (v: boolean | undefined): string => (v ? '1' : '0');

/** FNV-1a 32-bit, for stable derived ids/tokens. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A 20-character plex-token-looking string, stable for (salt, key). */
function derivedToken(salt: string, key: string): string {
  let h1 = fnv1a(salt + ':' + key);
  let h2 = fnv1a(key + ':' + salt) ^ 0x9e3779b9;
  let out = '';
  for (let i = 0; i < 20; i++) {
    const src = i % 2 === 0 ? h1 : h2;
    out += TOKEN_ALPHABET[src & 63];
    if (i % 2 === 0) h1 = Math.imul(h1 ^ (h1 >>> 13), 0x5bd1e995) >>> 0;
    else h2 = Math.imul(h2 ^ (h2 >>> 15), 0x27d4eb2d) >>> 0;
  }
  return out;
}

/** plex.tv-internal numeric server id (`Server@serverId` in /api/users), stable per machineIdentifier. */
export function plexServerId(machineIdentifier: string): number {
  return 1_000_000 + (fnv1a(machineIdentifier) % 89_000_000);
}

function serverLastSeen(server: FakeServer): number {
  return server.lastSeenAt ?? 1_700_000_000 - (fnv1a(server.machineIdentifier) % 86_400);
}

function serverCreated(server: FakeServer): number {
  return server.createdAt ?? 1_600_000_000 - (fnv1a(server.machineIdentifier) % (400 * 86_400));
}

function isOwned(server: FakeServer): boolean {
  return server.owned !== false;
}

/** plex.tv's error bodies (the v2 error codes, in plex.tv's XML error shape). */
export const PLEX_ERRORS = {
  unauthorized: errorsXml(1001, 'User could not be authenticated', 401),
  clientIdentifierMissing: errorsXml(1000, 'X-Plex-Client-Identifier is missing', 400),
  notFound: errorsXml(1002, 'The requested resource or endpoint could not be found', 404),
  gone: errorsXml(1410, 'This endpoint is no longer available', 410),
} as const;

/** plex.tv's 400 to a share of a server the invitee already has: the message names the invitee. */
export function alreadySharingXml(invitee: string): string {
  return errorsXml(1000, `Already sharing this server with ${invitee}`, 400);
}

function badRequestXml(message: string): string {
  return errorsXml(1000, message, 400);
}

/** Endpoints plex.tv retired (410 Gone): a current client never calls them. */
const DEAD_ENDPOINTS: Array<{ method: string; path: RegExp }> = [
  { method: 'DELETE', path: /^\/api\/friends\/[^/]+\/?$/ },
  { method: 'GET', path: /^\/api\/invites\/requested\/?$/ },
  { method: 'PUT', path: /^\/api\/invites\/requests\/[^/]+\/?$/ },
];

function errorsXml(code: number, message: string, status: number): string {
  return `${XML_PROLOG}<errors>\n  <error code="${code}" message="${xmlEscape(message)}" status="${status}"/>\n</errors>\n`;
}

const DEFAULT_STATUS_MESSAGES: Record<number, [number, string]> = {
  400: [1000, 'Bad request'],
  401: [1001, 'User could not be authenticated'],
  403: [1003, 'Access denied'],
  404: [1002, 'The requested resource or endpoint could not be found'],
  422: [1022, 'Unprocessable entity'],
  410: [1410, 'This endpoint is no longer available'],
  429: [1029, 'Too many requests'],
  500: [1500, 'Internal server error'],
  502: [1502, 'Bad gateway'],
  503: [1503, 'Service unavailable'],
};

function defaultErrorBody(status: number): string {
  const known = DEFAULT_STATUS_MESSAGES[status];
  return errorsXml(known ? known[0] : status, known ? known[1] : http.STATUS_CODES[status] ?? 'Error', status);
}

/** 200 body with broken XML: an attribute quote never closes and elements never close. */
export const MALFORMED_XML = `${XML_PROLOG}<MediaContainer friendlyName="myPlex" size="2>\n  <User id="1" title="broken\n  <Server id="2" name="x\n</MediaContai`;

// ---------------------------------------------------------------------------------------------
// Byte writer: big bodies are rendered straight into ~1 MiB buffers (no giant string, no rope
// flattening, no second UTF-8 pass). ~4x faster than string joining for the 10k x 20 account.
// ---------------------------------------------------------------------------------------------

const WRITER_CHUNK = 1 << 20;

class ByteWriter {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(WRITER_CHUNK);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(WRITER_CHUNK, n));
    this.pos = 0;
  }

  /** Any text (already XML-escaped where needed), written as UTF-8. */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Pre-encoded bytes. */
  bytes(b: Buffer): void {
    this.room(b.length);
    this.pos += b.copy(this.buf, this.pos);
  }

  /** A non-negative integer in decimal. */
  int(n: number): void {
    if (!(n >= 0 && n <= 0x7fffffff && Number.isInteger(n))) {
      this.text(String(n));
      return;
    }
    this.room(10);
    const buf = this.buf;
    let p = this.pos;
    if (n === 0) {
      buf[p++] = 48;
    } else {
      let start = p;
      while (n > 0) {
        buf[p++] = 48 + (n % 10);
        n = (n / 10) | 0;
      }
      for (let end = p - 1; start < end; start++, end--) {
        const t = buf[start]!;
        buf[start] = buf[end]!;
        buf[end] = t;
      }
    }
    this.pos = p;
  }

  finish(): Buffer[] {
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    this.pos = 0;
    this.buf = Buffer.alloc(0);
    return this.chunks;
  }
}

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Deep copy of an account (much faster than structuredClone on 200k shares). */
function cloneAccount(a: FakePlexAccount): FakePlexAccount {
  return {
    ...a,
    servers: a.servers.map((s) => ({ ...s, sections: s.sections.map((x) => ({ ...x })) })),
    users: a.users.map((u) => ({
      ...u,
      shares: u.shares.map((sh) => ({ ...sh, sectionIds: sh.sectionIds.slice() })),
      ...(u.friendServers ? { friendServers: u.friendServers.slice() } : {}),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------

export class FakePlexTv {
  readonly requests: RecordedRequest[] = [];
  readonly deletedShares: DeletedShare[] = [];
  /**
   * plex.tv's clock for new invites (`invitedAt`, and `acceptedAt` set by acceptShare), in unix
   * seconds. Defaults to the real time; a test may set it.
   */
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000);

  /** Seconds a new strong PIN lives (plex.tv: about 30 minutes). */
  pinExpiresInSeconds = 1800;
  /** Seconds a new 4-character PIN (typed at plex.tv/link) lives: shorter than a strong one. */
  shortPinExpiresInSeconds = 900;
  /** Every PIN created, in order. */
  readonly pins: FakePin[] = [];
  /** Members' tokens handed out by signInPin(), and whose account each is. */
  private readonly memberTokens = new Map<string, FakeSignInAccount>();

  private readonly state: FakePlexAccount;
  private readonly cache = new Map<string, Buffer[]>();
  private readonly faults: Array<Fault & { remaining: number }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly salt = randomBytes(8).toString('hex');
  /** `MediaContainer@machineIdentifier` of /api/users: random, never a server id. */
  private readonly accountMachineId = randomBytes(20).toString('hex');
  private server: http.Server | undefined;
  private baseUrl: string | undefined;
  private stopped = false;

  /** The account is deep-copied; change it later with update(). */
  constructor(account: FakePlexAccount) {
    this.state = cloneAccount(account);
  }

  /** The live account state (read it; change it only through update()). */
  get account(): FakePlexAccount {
    return this.state;
  }

  /** The base URL once started, e.g. 'http://127.0.0.1:41234'. */
  get url(): string {
    if (!this.baseUrl) throw new Error('FakePlexTv not started');
    return this.baseUrl;
  }

  start(): Promise<string> {
    if (this.baseUrl) return Promise.resolve(this.baseUrl);
    this.stopped = false;
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(err));
        } else {
          res.destroy();
        }
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        const { port } = server.address() as AddressInfo;
        this.baseUrl = `http://127.0.0.1:${port}`;
        resolve(this.baseUrl);
      });
    });
  }

  stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
      server.closeAllConnections();
    });
  }

  update(mutate: (a: FakePlexAccount) => void): void {
    mutate(this.state);
    this.cache.clear();
    this.lastShareId = undefined;
  }

  /**
   * The invitee accepts a pending share (in Plex, by e-mail or the app): `acceptedAt` is set, and
   * the share is no longer pending in /api/users. Throws for an unknown share.
   */
  acceptShare(machineIdentifier: string, shareId: number, atSeconds = this.nowSeconds()): void {
    const share = this.findShare(machineIdentifier, shareId)?.share;
    if (!share) throw new Error(`FakePlexTv: no share ${shareId} on ${machineIdentifier}`);
    share.acceptedAt = atSeconds;
    this.cache.clear();
  }

  /**
   * The person invited by `email` with no Plex account signs up: the account gets an id and a
   * username, and shows in /api/users with its (still pending) shares. Answers the account id.
   */
  createAccount(email: string, username: string, title = username): number {
    const user = this.state.users.find((u) => u.accountless && u.email?.toLowerCase() === email.toLowerCase());
    if (!user) throw new Error(`FakePlexTv: no invite of ${email} waiting for an account`);
    user.accountless = false;
    user.username = username;
    user.title = title;
    this.cache.clear();
    return user.id;
  }

  /**
   * The person opens Plex's sign-in page for the PIN with this code and signs in as `account`:
   * the PIN's authToken is set (a fresh token for that account). Answers the token.
   */
  signInPin(code: string, account: FakeSignInAccount): string {
    const pin = this.pins.find((p) => p.code === code);
    if (!pin) throw new Error(`FakePlexTv: no PIN with code ${code}`);
    const token = `member-${randomBytes(12).toString('hex')}`;
    pin.authToken = token;
    this.memberTokens.set(token, account);
    return token;
  }

  /**
   * The owner signs in with the PIN whose code is `code` (typed at plex.tv/link, or in the sign-in
   * URL): the PIN's authToken becomes the owner's account token, the one the v1 endpoints accept.
   */
  signInOwner(code: string): void {
    const pin = this.pins.find((p) => p.code === code);
    if (!pin) throw new Error(`FakePlexTv: no PIN with code ${code}`);
    pin.authToken = this.state.token;
  }

  /** Every share of a server, with its user: for tests to look at the state after write calls. */
  sharesOf(machineIdentifier: string): Array<{ user: FakeUser; share: FakeShare }> {
    const out: Array<{ user: FakeUser; share: FakeShare }> = [];
    for (const user of this.state.users) {
      for (const share of user.shares) if (share.machineIdentifier === machineIdentifier) out.push({ user, share });
    }
    return out;
  }

  injectFault(f: Fault): void {
    const remaining = f.times ?? 1;
    if (remaining > 0) this.faults.push({ ...f, remaining });
  }

  /** Drop every fault not yet consumed. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /**
   * Render (or take from the cache) the body a GET of `path` would answer, without HTTP and
   * without auth. For benchmarks and debugging; undefined for paths that answer 404.
   */
  renderBody(path: string): Buffer | undefined {
    const answer = this.route('GET', path, { 'X-Plex-Token': this.state.token }, { 'x-plex-client-identifier': 'render' });
    return answer.status === 200 ? Buffer.concat(answer.body) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Request handling
  // -------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    // Read the whole body (write calls carry small JSON) so keep-alive connections stay usable.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.requests.push({ method, path, query, headers: { ...req.headers }, body, at: Date.now() });

    const fault = this.takeFault(method, path);
    if (!fault) {
      await this.send(res, this.route(method, path, query, req.headers, body));
      return;
    }

    if (fault.delayMs !== undefined && fault.delayMs > 0) {
      const alive = await this.sleep(fault.delayMs, res);
      if (!alive) return;
    }
    if (fault.destroy) {
      req.socket.destroy();
      return;
    }
    if (fault.status !== undefined || fault.body !== undefined) {
      const status = fault.status ?? 500;
      const body = fault.body ?? defaultErrorBody(status);
      await this.send(res, { status, body: [enc(body)], headers: fault.headers });
      return;
    }
    if (fault.malformed) {
      await this.send(res, { status: 200, body: [enc(MALFORMED_XML)] });
      return;
    }
    const answer = this.route(method, path, query, req.headers, body);
    if (fault.truncate) {
      const half = headOfBody(answer.body, Math.floor(bodyLength(answer.body) / 2));
      await this.send(res, { ...answer, body: half }, false);
      return;
    }
    await this.send(res, answer);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (f.method && f.method.toUpperCase() !== method) continue;
      f.path.lastIndex = 0;
      if (!f.path.test(path)) continue;
      f.remaining -= 1;
      if (f.remaining <= 0) this.faults.splice(i, 1);
      return f;
    }
    return undefined;
  }

  /** Resolves true after ms, or false early if the client went away or the fake was stopped. */
  private sleep(ms: number, res: http.ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const onClose = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        res.off('close', onClose);
        resolve(!this.stopped && !res.destroyed);
      }, ms);
      this.timers.add(timer);
      res.once('close', onClose);
    });
  }

  /**
   * Write an answer, streaming the body in 64 KiB writes with backpressure. Without `withLength`
   * the body goes out chunked (Transfer-Encoding: chunked) and simply ends where it ends.
   */
  private async send(res: http.ServerResponse, answer: Answer, withLength = true): Promise<void> {
    if (res.destroyed) return;
    const headers: Record<string, string | number> = {
      'Content-Type': XML_CONTENT_TYPE,
      'Cache-Control': 'no-cache',
      ...answer.headers,
    };
    if (withLength) headers['Content-Length'] = bodyLength(answer.body);
    res.writeHead(answer.status, headers);
    for (const chunk of answer.body) {
      for (let off = 0; off < chunk.length; off += CHUNK_SIZE) {
        if (res.destroyed) return;
        const ok = res.write(chunk.subarray(off, off + CHUNK_SIZE));
        if (!ok) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      }
    }
    if (!res.destroyed) res.end();
  }

  private route(
    method: string,
    path: string,
    query: Record<string, string>,
    headers: http.IncomingHttpHeaders,
    body = '',
  ): Answer {
    const headerToken = headers['x-plex-token'];
    const token = (Array.isArray(headerToken) ? headerToken[0] : headerToken) ?? query['X-Plex-Token'];
    if (path.startsWith('/api/v2/')) return this.routeV2(method, path, query, headers, token);
    if (!token || token !== this.state.token) return this.error(401, PLEX_ERRORS.unauthorized);
    if (this.state.clientIdentifierRequired && !headers['x-plex-client-identifier']) {
      return this.error(400, PLEX_ERRORS.clientIdentifierMissing);
    }

    if (DEAD_ENDPOINTS.some((d) => d.method === method && d.path.test(path))) return this.error(410, PLEX_ERRORS.gone);

    let m: RegExpExecArray | null;
    if (method === 'GET') {
      if (path === '/api/resources' || path === '/api/resources/') {
        return this.ok('resources', () => [enc(this.renderResources())]);
      }
      if (path === '/api/users' || path === '/api/users/') {
        return this.ok('users', () => this.renderUsers());
      }
      if ((m = /^\/api\/servers\/([^/]+)\/shared_servers\/?$/.exec(path))) {
        const mid = safeDecode(m[1]!);
        const server = this.ownedServer(mid);
        if (!server) return this.error(404, PLEX_ERRORS.notFound);
        return this.ok(`shared:${mid}`, () => this.renderSharedServers(server));
      }
      if ((m = /^\/api\/servers\/([^/]+)\/?$/.exec(path))) {
        const mid = safeDecode(m[1]!);
        const server = this.ownedServer(mid);
        if (!server) return this.error(404, PLEX_ERRORS.notFound);
        return this.ok(`server:${mid}`, () => [enc(this.renderServer(server))]);
      }
    } else if (method === 'DELETE') {
      if ((m = /^\/api\/servers\/([^/]+)\/shared_servers\/(\d+)\/?$/.exec(path))) {
        return this.deleteShare(safeDecode(m[1]!), Number(m[2]));
      }
    } else if (method === 'POST') {
      if ((m = /^\/api\/servers\/([^/]+)\/shared_servers\/?$/.exec(path))) {
        return this.createShare(safeDecode(m[1]!), body);
      }
    } else if (method === 'PUT') {
      if ((m = /^\/api\/servers\/([^/]+)\/shared_servers\/(\d+)\/?$/.exec(path))) {
        return this.updateShare(safeDecode(m[1]!), Number(m[2]), body);
      }
    }
    return this.error(404, PLEX_ERRORS.notFound);
  }

  /** The PIN sign-in: JSON, keyed by the client identifier, no owner token. */
  private routeV2(method: string, path: string, query: Record<string, string>, headers: http.IncomingHttpHeaders, token: string | undefined): Answer {
    const json = (status: number, value: unknown): Answer => ({ status, body: [enc(JSON.stringify(value))], headers: { 'Content-Type': 'application/json' } });
    const jsonError = (status: number, code: number, message: string) => json(status, { errors: [{ code, message, status }] });
    const clientHeader = headers['x-plex-client-identifier'];
    const client = Array.isArray(clientHeader) ? clientHeader[0] : clientHeader;
    const render = (pin: FakePin) => ({
      id: pin.id,
      code: pin.code,
      product: String(headers['x-plex-product'] ?? ''),
      trusted: false,
      clientIdentifier: pin.clientIdentifier,
      expiresIn: Math.max(0, Math.round(pin.expiresIn - (Date.now() - pin.createdAtMs) / 1000)),
      createdAt: new Date(pin.createdAtMs).toISOString(),
      expiresAt: new Date(pin.createdAtMs + pin.expiresIn * 1000).toISOString(),
      authToken: pin.authToken,
      newRegistration: null,
      location: { code: 'FR', country: 'France' },
    });
    if (method === 'POST' && path === '/api/v2/pins') {
      if (!client) return jsonError(400, 1000, 'X-Plex-Client-Identifier is missing');
      const strong = query['strong'] === 'true';
      const pin: FakePin = {
        id: 100_000 + this.pins.length + 1,
        code: strong ? randomBytes(13).toString('hex').slice(0, 25) : randomBytes(2).toString('hex').toUpperCase(),
        clientIdentifier: client,
        createdAtMs: Date.now(),
        expiresIn: strong ? this.pinExpiresInSeconds : this.shortPinExpiresInSeconds,
        authToken: null,
      };
      this.pins.push(pin);
      return json(201, render(pin));
    }
    const m = /^\/api\/v2\/pins\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const pin = this.pins.find((p) => p.id === Number(m[1]));
      // Another install's PIN is not found either: the id alone gives nothing away.
      if (!pin || pin.clientIdentifier !== client || Date.now() > pin.createdAtMs + pin.expiresIn * 1000) return jsonError(404, 1020, 'Code not found or expired');
      return json(200, render(pin));
    }
    if (method === 'GET' && path === '/api/v2/user') {
      const owner = this.state.owner ?? { id: 1, username: 'owner', email: 'owner@example.com' };
      const account = token === this.state.token ? owner : token ? this.memberTokens.get(token) : undefined;
      if (!account) return jsonError(401, 1001, 'User could not be authenticated');
      return json(200, { id: account.id, uuid: `uuid-${account.id}`, username: account.username, title: account.title ?? account.username, email: account.email, thumb: '' });
    }
    return jsonError(404, 1002, 'The requested resource or endpoint could not be found');
  }

  private ok(cacheKey: string, render: () => Buffer[]): Answer {
    let body = this.cache.get(cacheKey);
    if (!body) {
      body = render();
      this.cache.set(cacheKey, body);
    }
    return { status: 200, body };
  }

  private error(status: number, body: string): Answer {
    return { status, body: [enc(body)] };
  }

  private ownedServer(mid: string): FakeServer | undefined {
    return this.state.servers.find((s) => s.machineIdentifier === mid && isOwned(s));
  }

  private deleteShare(mid: string, shareId: number): Answer {
    if (!this.ownedServer(mid)) return this.error(404, PLEX_ERRORS.notFound);
    for (const user of this.state.users) {
      const idx = user.shares.findIndex((s) => s.machineIdentifier === mid && s.shareId === shareId);
      if (idx >= 0) {
        user.shares.splice(idx, 1);
        this.deletedShares.push({ machineIdentifier: mid, shareId });
        this.cache.clear();
        return { status: 200, body: [] };
      }
    }
    return this.error(404, PLEX_ERRORS.notFound);
  }

  private findShare(mid: string, shareId: number): { user: FakeUser; share: FakeShare } | undefined {
    for (const user of this.state.users) {
      const share = user.shares.find((s) => s.machineIdentifier === mid && s.shareId === shareId);
      if (share) return { user, share };
    }
    return undefined;
  }

  /**
   * The section ids of a v1 share body (`shared_server.library_section_ids`), checked against the
   * server's libraries; a string is an error message for a 400.
   */
  private sectionIdsOf(server: FakeServer, shared: Record<string, unknown>): number[] | string {
    const raw = shared.library_section_ids;
    if (!Array.isArray(raw) || raw.length === 0) return 'library_section_ids must list at least one library';
    const ids: number[] = [];
    for (const v of raw) {
      const id = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
      if (!server.sections.some((sec) => sec.id === id)) return `Invalid library section id: ${String(v)}`;
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  private parseShareBody(mid: string, body: string): Record<string, unknown> | string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return 'The request body is not JSON';
    }
    if (!parsed || typeof parsed !== 'object') return 'The request body is not a JSON object';
    const { server_id: serverId, shared_server: shared } = parsed as Record<string, unknown>;
    if (serverId !== undefined && serverId !== mid) return 'server_id does not match the server in the path';
    if (!shared || typeof shared !== 'object') return 'shared_server is missing';
    return shared as Record<string, unknown>;
  }

  /**
   * v1 invite. The invitee is `invited_id` (a known account id) or `invited_email` (an e-mail or
   * a username). An e-mail with no Plex account behind it still gets a pending invite: plex.tv
   * mails them, and the fake lists them as a user named by the e-mail.
   */
  private createShare(mid: string, body: string): Answer {
    const server = this.ownedServer(mid);
    if (!server) return this.error(404, PLEX_ERRORS.notFound);
    const shared = this.parseShareBody(mid, body);
    if (typeof shared === 'string') return this.error(400, badRequestXml(shared));
    const sectionIds = this.sectionIdsOf(server, shared);
    if (typeof sectionIds === 'string') return this.error(400, badRequestXml(sectionIds));

    let user: FakeUser | undefined;
    let invitee: string;
    if (shared.invited_id !== undefined) {
      const id = Number(shared.invited_id);
      user = this.state.users.find((u) => u.id === id);
      if (!user) {
        const known = this.state.knownAccounts?.find((a) => a.id === id);
        if (!known) return this.error(400, badRequestXml(`No Plex account with id ${String(shared.invited_id)}`));
        user = this.addUser({ ...known, shares: [] });
      }
      invitee = user.username ?? user.title;
    } else if (typeof shared.invited_email === 'string' && shared.invited_email.trim() !== '') {
      invitee = shared.invited_email.trim();
      const wanted = invitee.toLowerCase();
      const matches = (a: { username: string | null; email: string | null }): boolean =>
        a.email?.toLowerCase() === wanted || a.username?.toLowerCase() === wanted;
      user = this.state.users.find(matches);
      if (!user) {
        const known = this.state.knownAccounts?.find(matches);
        if (known) user = this.addUser({ ...known, shares: [] });
        else if (invitee.includes('@') && this.state.accountlessInvites) user = this.addUser({ id: this.nextUserId(), title: invitee, username: null, email: invitee, shares: [], accountless: true });
        else if (invitee.includes('@')) user = this.addUser({ id: this.nextUserId(), title: invitee, username: invitee, email: invitee, shares: [] });
        else return this.error(400, badRequestXml(`No Plex account with the username ${invitee}`));
      }
    } else {
      return this.error(400, badRequestXml('invited_email or invited_id is required'));
    }

    if (user.shares.some((s) => s.machineIdentifier === mid)) return this.error(400, alreadySharingXml(invitee));
    const share: FakeShare = {
      machineIdentifier: mid,
      shareId: this.nextShareId(),
      invitedAt: this.nowSeconds(),
      acceptedAt: 0,
      allLibraries: sectionIds.length === server.sections.length,
      sectionIds,
    };
    user.shares.push(share);
    this.cache.clear();
    return { status: 200, body: [enc(this.renderOneShare(server, user, share))] };
  }

  private updateShare(mid: string, shareId: number, body: string): Answer {
    const server = this.ownedServer(mid);
    if (!server) return this.error(404, PLEX_ERRORS.notFound);
    const found = this.findShare(mid, shareId);
    if (!found) return this.error(404, PLEX_ERRORS.notFound);
    const shared = this.parseShareBody(mid, body);
    if (typeof shared === 'string') return this.error(400, badRequestXml(shared));
    const sectionIds = this.sectionIdsOf(server, shared);
    if (typeof sectionIds === 'string') return this.error(400, badRequestXml(sectionIds));
    found.share.sectionIds = sectionIds;
    found.share.allLibraries = sectionIds.length === server.sections.length;
    this.cache.clear();
    return { status: 200, body: [enc(this.renderOneShare(server, found.user, found.share))] };
  }

  private addUser(user: FakeUser): FakeUser {
    this.state.users.push(user);
    return user;
  }

  private nextUserId(): number {
    let max = 90_000_000;
    for (const u of this.state.users) max = Math.max(max, u.id);
    for (const a of this.state.knownAccounts ?? []) max = Math.max(max, a.id);
    return max + 1;
  }

  /** Found once (a big account has 200k shares), then counted up; update() may add shares, so it resets. */
  private lastShareId: number | undefined;

  private nextShareId(): number {
    if (this.lastShareId === undefined) {
      let max = 0;
      for (const u of this.state.users) for (const s of u.shares) max = Math.max(max, s.shareId);
      this.lastShareId = max;
    }
    return ++this.lastShareId;
  }

  // -------------------------------------------------------------------------------------------
  // Rendering
  // -------------------------------------------------------------------------------------------

  private renderResources(): string {
    const acct = this.state;
    const devices: string[] = [];
    acct.servers.forEach((server, i) => {
      const mid = server.machineIdentifier;
      const owned = isOwned(server);
      const localIp = `192.168.1.${10 + (i % 200)}`;
      const publicIp = publicAddress(mid);
      const dashedLocal = localIp.replace(/\./g, '-');
      const dashedPublic = publicIp.replace(/\./g, '-');
      const remotePort = 32400 + (fnv1a(mid) % 1000);
      let ownerAttrs = '';
      if (!owned) {
        const ownerUser = acct.users.find((u) => u.id === server.ownerUserId);
        const sourceTitle = ownerUser ? (ownerUser.username ?? ownerUser.title) : 'friend';
        ownerAttrs = ` ownerId="${server.ownerUserId ?? 0}" sourceTitle="${xmlEscape(sourceTitle)}"`;
      }
      devices.push(
        `  <Device name="${xmlEscape(server.name)}" product="Plex Media Server"` +
          ` productVersion="${xmlEscape(server.productVersion ?? '1.40.2.8395-c67dce28e')}"` +
          ` platform="${xmlEscape(server.platform ?? 'Linux')}" platformVersion="6.1.0" device="PC"` +
          ` clientIdentifier="${xmlEscape(mid)}" createdAt="${serverCreated(server)}"` +
          ` lastSeenAt="${serverLastSeen(server)}" provides="server"${ownerAttrs}` +
          ` owned="${b(owned)}" accessToken="${derivedToken(this.salt, 'device:' + mid)}"` +
          ` publicAddress="${publicIp}" httpsRequired="${b(!owned)}" synced="0" relay="1"` +
          ` dnsRebindingProtection="0" natLoopbackSupported="1" publicAddressMatches="${b(owned)}"` +
          ` presence="1">\n` +
          `    <Connection protocol="https" address="${localIp}" port="32400"` +
          ` uri="https://${dashedLocal}.${xmlEscape(mid)}.plex.direct:32400" local="1"/>\n` +
          `    <Connection protocol="https" address="${publicIp}" port="${remotePort}"` +
          ` uri="https://${dashedPublic}.${xmlEscape(mid)}.plex.direct:${remotePort}" local="0"/>\n` +
          `  </Device>\n`,
      );
    });
    if (acct.extraDevices !== false) {
      devices.push(
        `  <Device name="iPhone" product="Plex for iOS" productVersion="2024.10.0" platform="iOS"` +
          ` platformVersion="17.5" device="iPhone" clientIdentifier="fake-ios-client-0001"` +
          ` createdAt="1650000000" lastSeenAt="1700000000" provides="client,player,pubsub-player"` +
          ` owned="1" accessToken="${derivedToken(this.salt, 'device:ios')}" publicAddress="198.51.100.7"` +
          ` publicAddressMatches="0" presence="0">\n` +
          `    <Connection protocol="http" address="192.168.1.50" port="32500" uri="http://192.168.1.50:32500" local="1"/>\n` +
          `  </Device>\n`,
        `  <Device name="Chrome" product="Plex Web" productVersion="4.128.1" platform="Chrome"` +
          ` platformVersion="126.0" device="Linux" clientIdentifier="fake-web-client-0002"` +
          ` createdAt="1660000000" lastSeenAt="1700000000" provides="client,player" owned="1"` +
          ` accessToken="${derivedToken(this.salt, 'device:web')}" publicAddress="198.51.100.7"` +
          ` publicAddressMatches="0" presence="0"/>\n`,
      );
    }
    return `${XML_PROLOG}<MediaContainer size="${devices.length}">\n${devices.join('')}</MediaContainer>\n`;
  }

  private renderUsers(): Buffer[] {
    const acct = this.state;
    // Per-server constant attribute runs, escaped and encoded once per render:
    // `" serverId=".." machineIdentifier=".." name=".." lastSeenAt=".." numLibraries="`
    const ownedInfo = new Map<string, { head: Buffer; sectionCount: number }>();
    const friendInfo = new Map<string, { head: Buffer; sectionCount: number }>();
    for (const s of acct.servers) {
      const head = enc(
        `" serverId="${plexServerId(s.machineIdentifier)}" machineIdentifier="${xmlEscape(s.machineIdentifier)}"` +
          ` name="${xmlEscape(s.name)}" lastSeenAt="${serverLastSeen(s)}" numLibraries="`,
      );
      (isOwned(s) ? ownedInfo : friendInfo).set(s.machineIdentifier, { head, sectionCount: s.sections.length });
    }
    // `" allLibraries=".." owned="1" pending=".."/>` for the 4 combinations: index = all*2 + pending
    const ownedTails = [0, 1, 2, 3].map((k) =>
      enc(`" allLibraries="${k >> 1}" owned="1" pending="${k & 1}"/>\n`),
    );
    const friendTail = enc(`" allLibraries="1" owned="0" pending="0"/>\n`);
    const serverOpen = enc('    <Server id="');
    const userOpen = enc('  <User id="');
    const userClose = enc('  </User>\n');
    const selfClose = enc('/>\n');
    const openEnd = enc('>\n');

    const n = acct.users.filter((u) => !u.accountless).length;
    const w = new ByteWriter();
    w.text(
      `${XML_PROLOG}<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex"` +
        ` machineIdentifier="${this.accountMachineId}" totalSize="${n}" size="${n}">\n`,
    );
    for (let i = 0; i < n; i++) {
      const u = acct.users[i]!;
      if (u.accountless) continue;
      w.bytes(userOpen);
      w.int(u.id);
      let attrs = `" title="${xmlEscape(u.title)}"`;
      if (u.username !== null) {
        attrs += ` username="${xmlEscape(u.username)}"`;
        if (u.email !== null) attrs += ` email="${xmlEscape(u.email)}"`;
      }
      attrs +=
        ` recommendationsPlaylistId="" thumb="${xmlEscape(u.thumb ?? defaultThumb(u))}"` +
        ` protected="${b(u.restricted)}" home="${b(u.home)}" allowTuners="0" allowSync="1"` +
        ` allowCameraUpload="0" allowChannels="0" allowSubtitleAdmin="0" filterAll="" filterMovies=""` +
        ` filterMusic="" filterPhotos="" filterTelevision="" restricted="${b(u.restricted)}"`;
      w.text(attrs);

      let opened = false;
      for (const share of u.shares) {
        const info = ownedInfo.get(share.machineIdentifier);
        if (!info) continue;
        if (!opened) {
          w.bytes(openEnd);
          opened = true;
        }
        w.bytes(serverOpen);
        w.int(share.shareId);
        w.bytes(info.head);
        w.int(share.allLibraries ? info.sectionCount : share.sectionIds.length);
        w.bytes(ownedTails[(share.allLibraries ? 2 : 0) + (share.acceptedAt === 0 ? 1 : 0)]!);
      }
      if (u.friendServers) {
        for (const mid of u.friendServers) {
          const info = friendInfo.get(mid);
          if (!info) continue;
          if (!opened) {
            w.bytes(openEnd);
            opened = true;
          }
          w.bytes(serverOpen);
          w.int(100_000_000 + (fnv1a(`${u.id}:${mid}`) % 800_000_000));
          w.bytes(info.head);
          w.int(info.sectionCount);
          w.bytes(friendTail);
        }
      }
      w.bytes(opened ? userClose : selfClose);
    }
    w.text('</MediaContainer>\n');
    return w.finish();
  }

  private renderSharedServers(server: FakeServer): Buffer[] {
    const mid = server.machineIdentifier;
    const serverName = xmlEscape(server.name);
    // Section lines, both variants, encoded once: sectionLines[i][shared ? 1 : 0]
    const sectionLines = server.sections.map((sec) =>
      [0, 1].map((shared) =>
        enc(
          `    <Section id="${sec.id}" key="${xmlEscape(sec.key)}" title="${xmlEscape(sec.title)}"` +
            ` type="${sec.type}" shared="${shared}"/>\n`,
        ),
      ),
    );
    const close = enc('  </SharedServer>\n');

    let size = 0;
    for (const u of this.state.users) {
      for (const share of u.shares) if (share.machineIdentifier === mid) size++;
    }
    const w = new ByteWriter();
    w.text(
      `${XML_PROLOG}<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex"` +
        ` machineIdentifier="${xmlEscape(mid)}" size="${size}">\n`,
    );
    for (const u of this.state.users) {
      for (const share of u.shares) {
        if (share.machineIdentifier !== mid) continue;
        w.text(
          `  <SharedServer id="${share.shareId}" username="${xmlEscape(u.username ?? '')}"` +
            ` email="${xmlEscape(u.email ?? '')}" userID="${u.accountless ? 0 : u.id}"` +
            ` accessToken="${derivedToken(this.salt, `share:${share.shareId}`)}" name="${serverName}"` +
            ` acceptedAt="${share.acceptedAt}" invitedAt="${share.invitedAt}" allowSync="1"` +
            ` allowCameraUpload="0" allowChannels="0" allowTuners="0" allowSubtitleAdmin="0" owned="0"` +
            ` allLibraries="${b(share.allLibraries)}" filterAll="" filterMovies="" filterMusic=""` +
            ` filterPhotos="" filterTelevision="">\n`,
        );
        const ids = share.sectionIds;
        for (let i = 0; i < server.sections.length; i++) {
          const isShared = share.allLibraries || ids.includes(server.sections[i]!.id);
          w.bytes(sectionLines[i]![isShared ? 1 : 0]!);
        }
        w.bytes(close);
      }
    }
    w.text('</MediaContainer>\n');
    return w.finish();
  }

  /** The answer to a share write: one <SharedServer> in a MediaContainer, like the list's entries. */
  private renderOneShare(server: FakeServer, u: FakeUser, share: FakeShare): string {
    const sections = server.sections
      .map((sec) => {
        const isShared = share.allLibraries || share.sectionIds.includes(sec.id);
        return `    <Section id="${sec.id}" key="${xmlEscape(sec.key)}" title="${xmlEscape(sec.title)}" type="${sec.type}" shared="${b(isShared)}"/>\n`;
      })
      .join('');
    return (
      `${XML_PROLOG}<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex"` +
      ` machineIdentifier="${xmlEscape(server.machineIdentifier)}" size="1">\n` +
      `  <SharedServer id="${share.shareId}" username="${xmlEscape(u.username ?? '')}"` +
      ` email="${xmlEscape(u.email ?? '')}" userID="${u.accountless ? 0 : u.id}"` +
      ` accessToken="${derivedToken(this.salt, `share:${share.shareId}`)}" name="${xmlEscape(server.name)}"` +
      ` acceptedAt="${share.acceptedAt}" invitedAt="${share.invitedAt}" allowSync="0"` +
      ` allowCameraUpload="0" allowChannels="0" allowTuners="0" allowSubtitleAdmin="0" owned="0"` +
      ` allLibraries="${b(share.allLibraries)}" filterAll="" filterMovies="" filterMusic=""` +
      ` filterPhotos="" filterTelevision="">\n` +
      sections +
      '  </SharedServer>\n</MediaContainer>\n'
    );
  }

  private renderServer(server: FakeServer): string {
    const mid = xmlEscape(server.machineIdentifier);
    const idx = Math.max(0, this.state.servers.indexOf(server));
    const address = publicAddress(server.machineIdentifier);
    const sections = server.sections
      .map(
        (sec) =>
          `    <Section id="${sec.id}" key="${xmlEscape(sec.key)}" type="${sec.type}" title="${xmlEscape(sec.title)}"/>\n`,
      )
      .join('');
    return (
      `${XML_PROLOG}<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex"` +
      ` machineIdentifier="${mid}" size="1">\n` +
      `  <Server accessToken="${derivedToken(this.salt, 'device:' + server.machineIdentifier)}"` +
      ` name="${xmlEscape(server.name)}" address="${address}" port="32400"` +
      ` version="${xmlEscape(server.productVersion ?? '1.40.2.8395-c67dce28e')}" scheme="http"` +
      ` host="${address}" localAddresses="192.168.1.${10 + (idx % 200)}" machineIdentifier="${mid}"` +
      ` createdAt="${serverCreated(server)}" updatedAt="${serverLastSeen(server)}" owned="1" synced="0">\n` +
      sections +
      '  </Server>\n</MediaContainer>\n'
    );
  }
}

function publicAddress(mid: string): string {
  return `203.0.113.${1 + (fnv1a(mid) % 250)}`;
}

function defaultThumb(u: FakeUser): string {
  return `https://plex.tv/users/${u.id.toString(16).padStart(16, '0')}/avatar?c=1700000000`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
