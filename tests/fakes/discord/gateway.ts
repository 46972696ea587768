/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The gateway: plain JSON text frames (no compression), HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats,
 * RESUME with replay, REQUEST_GUILD_MEMBERS (op 8) → GUILD_MEMBERS_CHUNK, and dispatches pushed by the fake.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { apiChannel, apiGuild, apiMember, apiRoles, apiUser, type FakeState, type GuildState } from './state';
import { snowflake } from './util';

export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
} as const;

/** Every intent bit Discord defines (0–25, without the unused 17–19). */
const VALID_INTENTS = ((1 << 26) - 1) & ~((1 << 17) | (1 << 18) | (1 << 19));

export interface GatewayHost {
  readonly token: string;
  readonly state: FakeState;
  readonly applicationId: string;
  readonly heartbeatIntervalMs: number;
  wsUrl(): string;
  violation(msg: string): void;
  debug(msg: string): void;
}

interface Session {
  id: string;
  seq: number;
  intents: number;
  largeThreshold: number;
  /** Sent dispatches, for RESUME replay. */
  buffer: Array<{ op: 0; t: string; s: number; d: any }>;
  conn?: Conn;
  /** false once the session can no longer be resumed (closed with 1000/1001, or invalidated). */
  alive: boolean;
}

interface Conn {
  ws: WebSocket;
  session?: Session;
  /** Frames received in the current 60 s window (Discord closes with 4008 above 120). */
  window: { start: number; count: number };
}

export interface IdentifyRecord {
  sessionId: string;
  intents: number;
  shard?: [number, number];
  at: number;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private readonly sessions = new Map<string, Session>();
  readonly identifies: IdentifyRecord[] = [];
  readonly resumes: Array<{ sessionId: string; seq: number; replayed: number; ok: boolean }> = [];

  constructor(private readonly host: GatewayHost) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  /** Sessions that are identified and currently connected. */
  connectedSessions(): number {
    return [...this.sessions.values()].filter((s) => s.alive && s.conn && s.conn.ws.readyState === WebSocket.OPEN).length;
  }

  /** Sessions that still receive events (connected, or disconnected but resumable). */
  liveSessions(): number {
    return [...this.sessions.values()].filter((s) => s.alive).length;
  }

  /** Sends a dispatch to every live session whose intents include `intent` (if given). Returns how many got it. */
  dispatch(t: string, d: any, intent?: number): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if (!s.alive) continue;
      if (intent !== undefined && (s.intents & intent) === 0) continue;
      this.sendDispatch(s, t, d);
      n += 1;
    }
    return n;
  }

  /** Op 7 RECONNECT to every connection: discord.js closes with 4200 and RESUMEs. */
  requestReconnect(): void {
    for (const c of this.conns) this.send(c, { op: 7, d: null });
  }

  /** Closes every connection with `code` (e.g. 4000 → the client resumes; 4004 → it gives up). */
  closeAll(code: number, reason = ''): void {
    for (const c of this.conns) c.ws.close(code, reason);
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    for (const s of this.sessions.values()) s.alive = false;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ------------------------------------------------------------------ internals

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn: Conn = { ws, window: { start: Date.now(), count: 0 } };
    this.conns.add(conn);
    const url = new URL(req.url ?? '/', 'http://x');
    const v = url.searchParams.get('v');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    this.host.debug(`gateway: connection ${req.url}`);
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', () => undefined);
    if (v !== null && v !== '10' && v !== '9') {
      this.host.violation(`gateway: connected with unsupported API version v=${v}`);
      ws.close(4012, 'Invalid API version');
      return;
    }
    if (encoding !== 'json') {
      this.host.violation(`gateway: encoding=${encoding} is not supported by the fake (use json)`);
      ws.close(4002, 'Error while decoding payload.');
      return;
    }
    ws.on('message', (data, isBinary) => this.onMessage(conn, data as Buffer, isBinary));
    this.send(conn, { op: 10, d: { heartbeat_interval: this.host.heartbeatIntervalMs, _trace: ['["fake-gateway",{}]'] } });
  }

  private onClose(conn: Conn, code: number): void {
    this.conns.delete(conn);
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = undefined;
      // A close with 1000/1001 ends the session for good; any other code keeps it resumable.
      if (code === 1000 || code === 1001) s.alive = false;
    }
    this.host.debug(`gateway: closed ${code}`);
  }

  private send(conn: Conn, payload: any): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(payload);
    this.host.debug(`gateway → ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`);
    conn.ws.send(text);
  }

  private sendDispatch(s: Session, t: string, d: any): void {
    s.seq += 1;
    const payload = { op: 0 as const, t, s: s.seq, d };
    s.buffer.push(payload);
    if (s.buffer.length > 2000) s.buffer.shift();
    if (s.conn) this.send(s.conn, payload);
  }

  private onMessage(conn: Conn, data: Buffer, isBinary: boolean): void {
    const now = Date.now();
    if (now - conn.window.start > 60_000) conn.window = { start: now, count: 0 };
    conn.window.count += 1;
    if (conn.window.count > 120) {
      this.host.violation('gateway: more than 120 payloads in 60 s (closed with 4008)');
      conn.ws.close(4008, 'Rate limited.');
      return;
    }
    let payload: any;
    try {
      payload = JSON.parse(isBinary ? data.toString('utf8') : data.toString());
    } catch {
      this.host.violation('gateway: undecodable payload (closed with 4002)');
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    this.host.debug(`gateway ← ${JSON.stringify(payload).slice(0, 300)}`);
    switch (payload?.op) {
      case 1:
        this.send(conn, { op: 11 });
        return;
      case 2:
        this.identify(conn, payload.d);
        return;
      case 6:
        this.resume(conn, payload.d);
        return;
      case 3:
      case 4:
        if (!conn.session) this.notAuthenticated(conn, payload.op);
        return;
      case 8:
        if (!conn.session) this.notAuthenticated(conn, payload.op);
        else this.requestMembers(conn, conn.session, payload.d);
        return;
      default:
        this.host.violation(`gateway: unknown opcode ${String(payload?.op)} (closed with 4001)`);
        conn.ws.close(4001, 'Unknown opcode.');
    }
  }

  private notAuthenticated(conn: Conn, op: number): void {
    this.host.violation(`gateway: op ${op} sent before IDENTIFY (closed with 4003)`);
    conn.ws.close(4003, 'Not authenticated.');
  }

  private identify(conn: Conn, d: any): void {
    if (conn.session) {
      this.host.violation('gateway: IDENTIFY sent twice on one connection (closed with 4005)');
      conn.ws.close(4005, 'Already authenticated.');
      return;
    }
    const token = typeof d?.token === 'string' ? d.token.replace(/^Bot\s+/i, '') : undefined;
    if (token !== this.host.token) {
      this.host.violation('gateway: IDENTIFY with a wrong token (closed with 4004)');
      conn.ws.close(4004, 'Authentication failed.');
      return;
    }
    if (Array.isArray(d.shard) && (d.shard.length !== 2 || d.shard[0] >= d.shard[1] || d.shard[1] !== 1)) {
      this.host.violation(`gateway: IDENTIFY with shard ${JSON.stringify(d.shard)} (the fake has 1 shard; closed with 4010)`);
      conn.ws.close(4010, 'Invalid shard.');
      return;
    }
    if (typeof d.intents !== 'number' || (d.intents & ~VALID_INTENTS) !== 0) {
      this.host.violation(`gateway: IDENTIFY with invalid intents ${String(d.intents)} (closed with 4013)`);
      conn.ws.close(4013, 'Invalid intent(s).');
      return;
    }
    const largeThreshold = typeof d.large_threshold === 'number' ? d.large_threshold : 50;
    if (largeThreshold < 50 || largeThreshold > 250) {
      this.host.violation(`gateway: IDENTIFY large_threshold ${largeThreshold} is outside 50–250 (closed with 4002)`);
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    const session: Session = { id: snowflake().slice(-16), seq: 0, intents: d.intents, largeThreshold, buffer: [], conn, alive: true };
    this.sessions.set(session.id, session);
    conn.session = session;
    this.identifies.push({ sessionId: session.id, intents: d.intents, shard: d.shard, at: Date.now() });

    const state = this.host.state;
    const bot = state.botUser;
    this.sendDispatch(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...apiUser(bot), verified: true, mfa_enabled: false, email: null },
      guilds: [...state.guilds.keys()].map((id) => ({ id, unavailable: true })),
      guild_join_requests: [],
      relationships: [],
      private_channels: [],
      presences: [],
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.host.wsUrl(),
      shard: [0, 1],
      application: { id: this.host.applicationId, flags: 0 },
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['["fake-gateway",{}]'],
    });
    if (session.intents & Intents.Guilds) {
      for (const g of state.guilds.values()) this.sendDispatch(session, 'GUILD_CREATE', this.guildCreate(g, session));
    }
  }

  guildCreate(g: GuildState, session: { intents: number; largeThreshold: number }): any {
    const state = this.host.state;
    // Without GUILD_PRESENCES, Discord sends only the bot's member (and members in voice) in GUILD_CREATE.
    const members =
      session.intents & Intents.GuildPresences
        ? [...g.members.values()]
        : [...g.members.values()].filter((m) => m.user.id === state.botUser.id);
    return {
      ...apiGuild(g, state.botUser.id),
      roles: apiRoles(g, state.botUser.id),
      unavailable: false,
      joined_at: g.joinedAt,
      large: g.members.size > session.largeThreshold,
      lazy: true,
      member_count: g.members.size,
      members: members.map((m) => apiMember(g, m)),
      channels: [...g.channels.values()].map((c) => {
        const { guild_id: _g, ...rest } = apiChannel(g, c);
        return rest;
      }),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      application_command_counts: {},
    };
  }

  private resume(conn: Conn, d: any): void {
    const token = typeof d?.token === 'string' ? d.token.replace(/^Bot\s+/i, '') : undefined;
    const s = typeof d?.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (token !== this.host.token) {
      this.host.violation('gateway: RESUME with a wrong token (closed with 4004)');
      conn.ws.close(4004, 'Authentication failed.');
      return;
    }
    if (!s || !s.alive || typeof d.seq !== 'number' || d.seq > s.seq) {
      this.resumes.push({ sessionId: String(d?.session_id), seq: Number(d?.seq), replayed: 0, ok: false });
      this.send(conn, { op: 9, d: false });
      return;
    }
    if (s.conn && s.conn !== conn) {
      const old = s.conn;
      s.conn = undefined;
      old.ws.close(4009, 'Session timed out.');
    }
    s.conn = conn;
    conn.session = s;
    const missed = s.buffer.filter((p) => p.s > d.seq);
    for (const p of missed) this.send(conn, p);
    this.resumes.push({ sessionId: s.id, seq: d.seq, replayed: missed.length, ok: true });
    this.sendDispatch(s, 'RESUMED', { _trace: ['["fake-gateway",{}]'] });
  }

  private requestMembers(conn: Conn, s: Session, d: any): void {
    const g = this.host.state.guilds.get(String(d?.guild_id));
    if (!g) {
      this.host.violation(`gateway: REQUEST_GUILD_MEMBERS for unknown guild ${String(d?.guild_id)}`);
      return;
    }
    const nonce = typeof d.nonce === 'string' ? d.nonce : undefined;
    const userIds: string[] | undefined = d.user_ids === undefined || d.user_ids === null ? undefined : [].concat(d.user_ids);
    const query: string | undefined = typeof d.query === 'string' ? d.query : undefined;
    const limit = typeof d.limit === 'number' ? d.limit : 0;
    if (!userIds && query === undefined) {
      this.host.violation('gateway: REQUEST_GUILD_MEMBERS needs query or user_ids');
      return;
    }
    if (d.presences && !(s.intents & Intents.GuildPresences)) {
      this.host.violation('gateway: REQUEST_GUILD_MEMBERS with presences=true needs the GUILD_PRESENCES intent');
    }
    let members = [...g.members.values()];
    const notFound: string[] = [];
    if (userIds) {
      if (userIds.length > 100) this.host.violation('gateway: REQUEST_GUILD_MEMBERS with more than 100 user_ids');
      members = [];
      for (const id of userIds) {
        const m = g.members.get(id);
        if (m) members.push(m);
        else notFound.push(id);
      }
    } else if (query === '') {
      if (!(s.intents & Intents.GuildMembers)) {
        this.host.violation('gateway: requesting the whole member list (query "") needs the GUILD_MEMBERS intent');
        members = [];
      }
      if (limit > 0) members = members.slice(0, limit);
    } else {
      const q = (query ?? '').toLowerCase();
      members = members
        .filter((m) => m.user.username.toLowerCase().startsWith(q) || (m.nick ?? '').toLowerCase().startsWith(q))
        .slice(0, Math.min(limit || 100, 100));
    }
    const chunks: typeof members[] = [];
    for (let i = 0; i < members.length; i += 1000) chunks.push(members.slice(i, i + 1000));
    if (chunks.length === 0) chunks.push([]);
    chunks.forEach((chunk, i) => {
      if (!conn.session) return;
      this.sendDispatch(s, 'GUILD_MEMBERS_CHUNK', {
        guild_id: g.id,
        members: chunk.map((m) => apiMember(g, m)),
        chunk_index: i,
        chunk_count: chunks.length,
        ...(notFound.length && i === 0 ? { not_found: notFound } : {}),
        ...(d.presences ? { presences: [] } : {}),
        ...(nonce !== undefined ? { nonce } : {}),
      });
    });
  }
}

