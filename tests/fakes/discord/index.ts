/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Fake Discord for end-to-end tests: one node `http` server on 127.0.0.1 serving REST under /api/v10 and the
 * gateway (WebSocket, plain JSON text frames) on the same port. The REAL discord.js Client talks to it.
 *
 * ```ts
 * const fake = new FakeDiscord({ token, applicationId, botUser: { id, username }, guilds: [spec] });
 * const { apiUrl } = await fake.start();                    // 'http://127.0.0.1:PORT/api'
 * const client = new Client({ intents: [Guilds, GuildMembers], rest: { api: apiUrl } });
 * const ready = once(client, 'clientReady'); await client.login(token); await ready;
 * const h = fake.chatInput({ guildId, userId, name: 'link', options: [{ name: 'email', type: 3, value: 'a@b.c' }] });
 * await h.response();                                        // first accepted acknowledgement
 * await h.waitFor((x) => x.edits().length > 0);
 * expect(h.final().content).toContain('linked');
 * expect(fake.violations).toEqual([]);
 * await client.destroy(); await fake.stop();
 * ```
 *
 * Public API
 * - `new FakeDiscord(opts: FakeDiscordOptions)`: token, applicationId, botUser, guilds (FakeGuildSpec[]),
 *   ackTimeoutMs (3000), tokenLifetimeMs (15 min), heartbeatIntervalMs (41250), debug.
 * - `start(): Promise<{ apiUrl, wsUrl, port }>`, `stop(): Promise<void>`.
 * - Interactions (each returns an `InteractionHandle`, see types.ts): `chatInput`, `autocomplete`, `button`,
 *   `selectMenu`, `modalSubmit`. They throw (a test bug, not a bot violation) when the guild/user/channel is unknown,
 *   when no gateway session is connected, or when the Discord client could not produce such an interaction
 *   (unregistered command while commands are registered, missing default_member_permissions, unknown option,
 *   modal field that the shown modal does not have, required input left empty, ...).
 * - Records: `commandRegistrations`, `dms`, `channelMessages`, `roleChanges`, `violations`, `restLog`,
 *   `rateLimitViolations`, `gatewayIdentifies`, `gatewayResumes`; `takeViolations()` returns and clears the violations.
 * - State: `member(guildId, userId)`, `guild(guildId)`, `commands(guildId?)`, `messagesIn(channelId)`, `dmChannelId(userId)`;
 *   changes made "by someone else" (sent to the bot as gateway events): `addMember`, `removeMember`,
 *   `setMemberRoles`, `setDmsClosed`; the owner adds the bot to a server or removes it: `addGuild(spec)`,
 *   `removeGuild(guildId)` (REST only: a connected gateway session is not told).
 * - Faults: `holdAfterStore({ path?, times? })` (a message create is stored and recorded, then never answered: a
 *   timeout after Discord accepted it; `held` counts them), `rateLimit({ method?, path, retryAfterSeconds, times?, global?, scope? })`,
 *   `failNext({ method?, path, status, code?, message?, times? })` — `path` is matched against the path below
 *   /api/v10 without the query (e.g. /guilds/1/members/2/roles/3). Injected answers are not violations.
 * - Rate limits are enforced: every 429 carries Retry-After (whole seconds) and the X-RateLimit-* headers, and closes
 *   its bucket (method + route + major parameter: guild, channel or webhook/interaction token) for `retry_after`
 *   seconds, or every authenticated route when global. A request sent there before that is refused with another 429
 *   and recorded in `violations` and `rateLimitViolations`.
 * - Attachments: `attachment(filename, content, contentType?)` stores a file a user attached and returns its attachment
 *   object (`{ id, filename, size, url, proxy_url, content_type }`); pass `{ name, type: 11, value: attachment.id }` as
 *   a command option and the fake puts it in `resolved.attachments`. The bytes are served (GET, no auth) at its `url`
 *   on the fake's own HTTP server, as Discord's CDN would.
 * - Uploads: files the bot sends (multipart `payload_json` + `files[n]`, on interaction callbacks, webhooks and
 *   channel messages) become attachment objects in the message, are recorded with their bytes in `uploads`, and are
 *   served at their `url`. As Discord does, more than 10 files is a 50035 and a request over 25 MiB a 413 (40005).
 * - Gateway: `requestReconnect()` (op 7: the client resumes), `closeGateway(code)`, `gatewayDispatch(t, d)`.
 *
 * What counts as a violation (bot bugs): unknown route, missing/wrong Authorization, invalid JSON, any 50035 Invalid
 * Form Body, empty message (50006), no acknowledgement within ackTimeoutMs, late acknowledgement (10062), second
 * acknowledgement (40060), callback type not allowed for the interaction (e.g. a modal answering a modal submit),
 * webhook use before the acknowledgement or after an autocomplete (10015), token older than tokenLifetimeMs (50027),
 * reading/editing an @original that does not exist (10008), wrong application id, gateway protocol errors, a request
 * sent into a rate limit before its Retry-After expired.
 * Not violations (runtime conditions a bot must handle): 50007 DMs closed, 50013 role hierarchy / permissions,
 * 10007 unknown member, 10011 unknown role, 10003 unknown channel, 10013 unknown user, injected failures and 429s.
 *
 * Behaviour worth knowing (as Discord does it):
 * - GUILD_CREATE carries only the bot's own member unless the client has the GUILD_PRESENCES intent. A bot that
 *   needs the member list must `guild.members.fetch()` (gateway op 8, needs GUILD_MEMBERS) or fetch single members.
 * - The bot's role changes (PUT/DELETE role, PATCH roles) update the fake's state, are recorded in `roleChanges`
 *   (only real changes) and send GUILD_MEMBER_UPDATE to sessions with GUILD_MEMBERS, so discord.js's cache follows.
 *   A role can be changed only if it is below the bot's highest role, not managed and the bot has MANAGE_ROLES.
 * - Guild spec: @everyone (id = guild id) and a "general" text channel are added when missing. If the bot's member
 *   is not in the spec it is added with a managed role ABOVE every other role; put the bot member (and its role) in
 *   the spec to test hierarchy failures.
 * - Message create with `nonce` (string of at most 25 characters, or an integer) and `enforce_nonce: true`: a second
 *   create by the same author in the same channel with the same nonce within `nonceWindowMs` (5 min) answers the
 *   first message and creates (and records) nothing.
 * - The first follow-up after a deferred reply (type 5) replaces the "thinking…" message (it becomes @original and
 *   keeps the defer's ephemerality); later follow-ups are new messages.
 * - The ack clock starts when the interaction is dispatched; the token lifetime too.
 * - Destroy the discord.js clients before `stop()`, or they keep reconnecting.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway, Intents } from './gateway';
import { FakeInteraction } from './interactions';
import { RestRouter, type RestRequest } from './rest';
import { apiChannel, apiMember, apiRole, apiUser, FakeState, type GuildState } from './state';
import type {
  AutocompleteParams,
  ChannelMessageRecord,
  ChatInputParams,
  CommandRegistration,
  ComponentParams,
  DmRecord,
  FailRule,
  HoldRule,
  FakeAttachment,
  FakeDiscordOptions,
  FakeGuildSpec,
  FakeMember,
  InteractionBaseParams,
  InteractionHandle,
  ModalSubmitParams,
  RateLimitRule,
  RateLimitViolation,
  RestLogEntry,
  RoleChangeRecord,
  SelectParams,
  UploadRecord,
} from './types';
import { ALL_PERMISSIONS, Errors, FormErrors, HttpError, Perm, snowflake } from './util';

/** Discord's limits on one message's uploads: 10 files, and 25 MiB for the whole request. */
export const MAX_FILES = 10;
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export * from './types';
export { snowflake, ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, Perm } from './util';
export { Intents } from './gateway';

interface Ctx {
  guild?: GuildState;
  channel: any;
  user: any;
  member?: FakeMember;
  p: InteractionBaseParams;
}

export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly ackTimeoutMs: number;
  readonly tokenLifetimeMs: number;
  readonly heartbeatIntervalMs: number;
  /** @internal */ readonly state: FakeState;

  readonly commandRegistrations: CommandRegistration[] = [];
  readonly dms: DmRecord[] = [];
  readonly channelMessages: ChannelMessageRecord[] = [];
  readonly roleChanges: RoleChangeRecord[] = [];
  readonly violations: string[] = [];
  readonly restLog: RestLogEntry[] = [];
  readonly rateLimitViolations: RateLimitViolation[] = [];
  /** Files the bot uploaded (multipart `files[n]`), in order, with their bytes. */
  readonly uploads: UploadRecord[] = [];

  private readonly gateway: FakeGateway;
  private readonly router: RestRouter;
  private server?: http.Server;
  private port = 0;
  private readonly interactions = new Map<string, FakeInteraction>();
  private readonly byToken = new Map<string, FakeInteraction>();
  private readonly rateRules: Array<RateLimitRule & { left: number }> = [];
  private readonly failRules: Array<FailRule & { left: number }> = [];
  private readonly holdRules: Array<HoldRule & { left: number }> = [];
  /** Message creates stored and then left unanswered by `holdAfterStore`. */
  held = 0;
  /** How long a message create's nonce is remembered (enforce_nonce): "a few minutes" at Discord. */
  nonceWindowMs = 5 * 60_000;
  /** Buckets closed by a 429 (GLOBAL_BUCKET for the global limit): until when (Date.now() ms) and with which scope. */
  private readonly closedBuckets = new Map<string, { until: number; scope: 'user' | 'shared' | 'global' }>();
  private readonly shownModals: Array<{ interaction: FakeInteraction; data: any; userId: string }> = [];
  private readonly debugOn: boolean;
  /** Files "uploaded" by users (attachment options), served from this server under /attachments/{id}/{filename}. */
  private readonly attachments = new Map<string, { attachment: FakeAttachment; bytes: Buffer }>();

  constructor(opts: FakeDiscordOptions) {
    this.token = opts.token;
    this.applicationId = opts.applicationId;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.tokenLifetimeMs = opts.tokenLifetimeMs ?? 15 * 60 * 1000;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 41250;
    this.debugOn = opts.debug ?? false;
    this.state = new FakeState(opts);
    const self = this;
    this.gateway = new FakeGateway({
      token: this.token,
      state: this.state,
      applicationId: this.applicationId,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      wsUrl: () => self.wsUrl(),
      violation: (m) => self.violation(m),
      debug: (m) => self.debug(m),
    });
    this.router = new RestRouter(this);
  }

  // ================================================================== lifecycle

  async start(): Promise<{ apiUrl: string; wsUrl: string; port: number }> {
    if (this.server) throw new Error('fake discord: already started');
    const server = http.createServer((req, res) => {
      void this.onRequest(req, res);
    });
    server.on('upgrade', (req, socket, head) => this.gateway.handleUpgrade(req, socket, head));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return { apiUrl: `http://127.0.0.1:${this.port}/api`, wsUrl: this.wsUrl(), port: this.port };
  }

  async stop(): Promise<void> {
    for (const it of this.interactions.values()) it.dispose();
    await this.gateway.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  // ================================================================== records & state

  member(guildId: string, userId: string): FakeMember | undefined {
    return this.state.guilds.get(guildId)?.members.get(userId);
  }

  guild(guildId: string): GuildState | undefined {
    return this.state.guilds.get(guildId);
  }

  /** Registered commands as Discord stores them (the bodies the bot sent), for a guild or global (no argument). */
  commands(guildId?: string): any[] {
    return (this.state.commands.get(guildId ?? 'global') ?? []).map((c) => ({ id: c.id, ...c.body }));
  }

  /** Messages stored in a channel (guild or DM), oldest first, ephemeral interaction replies included. */
  messagesIn(channelId: string): any[] {
    return [...(this.state.messages.get(channelId) ?? [])];
  }

  /** The id of the bot's DM channel with a user (made on first use): pass it as `channelId` so a component
   *  interaction happens in the DM even when a guild message carries the same custom_id. */
  dmChannelId(userId: string): string {
    if (!this.state.user(userId)) throw new Error(`fake discord: unknown user ${userId}`);
    return this.state.dmChannelFor(userId).id;
  }

  get gatewayIdentifies() {
    return this.gateway.identifies;
  }

  get gatewayResumes() {
    return this.gateway.resumes;
  }

  takeViolations(): string[] {
    return this.violations.splice(0);
  }

  /** The application's Server Members Intent switch (Developer Portal > Bot), as GET /oauth2/applications/@me tells it. */
  serverMembersIntent = true;

  /**
   * The owner adds the bot to a server (the invite link): the guild with its roles, members and
   * channels, and the bot's managed role, as in the constructor. REST only (no GUILD_CREATE).
   */
  addGuild(spec: FakeGuildSpec): GuildState {
    if (this.state.guilds.has(spec.id)) throw new Error(`fake discord: the bot is already in guild ${spec.id}`);
    return this.state.addGuild(spec);
  }

  /** The bot is removed from a server (kicked, or the owner left it out): its REST calls there get 404/403. */
  removeGuild(guildId: string): void {
    this.requireGuild(guildId);
    this.state.guilds.delete(guildId);
  }

  /** A member joins (GUILD_MEMBER_ADD to sessions with GUILD_MEMBERS). */
  addMember(guildId: string, member: FakeMember): void {
    const g = this.requireGuild(guildId);
    const m: FakeMember = { ...member, user: { ...member.user }, roles: [...member.roles], joined_at: member.joined_at ?? new Date().toISOString() };
    g.members.set(m.user.id, m);
    this.state.users.set(m.user.id, m.user);
    this.gatewayDispatch('GUILD_MEMBER_ADD', { ...apiMember(g, m), guild_id: g.id }, Intents.GuildMembers);
  }

  /** A member leaves (GUILD_MEMBER_REMOVE). */
  removeMember(guildId: string, userId: string): void {
    const g = this.requireGuild(guildId);
    const m = g.members.get(userId);
    if (!m) throw new Error(`fake discord: ${userId} is not in guild ${guildId}`);
    g.members.delete(userId);
    this.gatewayDispatch('GUILD_MEMBER_REMOVE', { guild_id: g.id, user: apiUser(m.user) }, Intents.GuildMembers);
  }

  /** Someone else (a moderator) changes a member's roles (GUILD_MEMBER_UPDATE; not recorded in roleChanges). */
  setMemberRoles(guildId: string, userId: string, roles: string[]): void {
    const g = this.requireGuild(guildId);
    const m = g.members.get(userId);
    if (!m) throw new Error(`fake discord: ${userId} is not in guild ${guildId}`);
    m.roles = [...roles];
    this.memberUpdated(g, m);
  }

  setDmsClosed(userId: string, closed: boolean): void {
    for (const g of this.state.guilds.values()) {
      const m = g.members.get(userId);
      if (m) m.dmsClosed = closed;
    }
  }

  /** A file a user attached to a command (see the header). Call after `start()`: the URL points at this server. */
  attachment(filename: string, content: string | Buffer, contentType?: string): FakeAttachment {
    if (!this.server) throw new Error('fake discord: start() before creating attachments');
    const id = snowflake();
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const path = `/attachments/${id}/${encodeURIComponent(filename)}`;
    const attachment: FakeAttachment = {
      id,
      filename,
      size: bytes.length,
      url: `http://127.0.0.1:${this.port}${path}`,
      proxy_url: `http://127.0.0.1:${this.port}${path}?proxy=1`,
      ...(contentType ? { content_type: contentType } : {}),
    };
    this.attachments.set(id, { attachment, bytes });
    return { ...attachment };
  }

  // ================================================================== faults

  rateLimit(p: RateLimitRule): void {
    this.rateRules.push({ ...p, left: p.times ?? 1 });
  }

  failNext(p: FailRule): void {
    this.failRules.push({ ...p, left: p.times ?? 1 });
  }

  /** The next message create(s) are stored and recorded, then never answered (until `stop()`). */
  holdAfterStore(p: HoldRule = {}): void {
    this.holdRules.push({ ...p, left: p.times ?? 1 });
  }

  /** @internal Whether this stored message create is to be held (counts it). */
  takeHold(path: string): boolean {
    const rule = this.holdRules.find((r) => r.left > 0 && (!r.path || r.path.test(path)));
    if (!rule) return false;
    rule.left -= 1;
    this.held += 1;
    return true;
  }

  // ================================================================== gateway

  /** Sends op 7 RECONNECT: discord.js reconnects and RESUMEs; missed dispatches are replayed. */
  requestReconnect(): void {
    this.gateway.requestReconnect();
  }

  closeGateway(code: number, reason = ''): void {
    this.gateway.closeAll(code, reason);
  }

  /** Dispatches an event to every live session (only those with `intent`, if given). Returns the session count. */
  gatewayDispatch(t: string, d: any, intent?: number): number {
    return this.gateway.dispatch(t, d, intent);
  }

  // ================================================================== interactions

  chatInput(p: ChatInputParams): InteractionHandle {
    const ctx = this.context(p);
    const { cmd, guildScoped } = this.lookupCommand(ctx, p.name, 1, p.visibleByGuildOverride ? undefined : p.permissions);
    const options = this.fillOptions(p.options ?? [], cmd?.body.options, `/${p.name}`, true);
    const resolved = this.resolveOptions(ctx, options);
    const data: any = {
      id: cmd?.id ?? snowflake(),
      name: p.name,
      type: 1,
      ...(guildScoped ? { guild_id: ctx.guild!.id } : {}),
      ...(options.length ? { options } : {}),
      ...(resolved ? { resolved } : {}),
    };
    return this.createInteraction(2, ctx, data, `/${p.name}`);
  }

  autocomplete(p: AutocompleteParams): InteractionHandle {
    const ctx = this.context(p);
    const { cmd, guildScoped } = this.lookupCommand(ctx, p.name, 1, p.visibleByGuildOverride ? undefined : p.permissions);
    const options = JSON.parse(JSON.stringify(p.options ?? [])) as any[];
    // The focused option goes in the innermost subcommand.
    let level = options;
    let decls: any[] | undefined = cmd?.body.options;
    for (;;) {
      const sub = level.find((o) => o.type === 1 || o.type === 2);
      if (!sub) break;
      sub.options ??= [];
      decls = decls?.find((d: any) => d.name === sub.name)?.options;
      level = sub.options;
    }
    const decl = decls?.find((d: any) => d.name === p.focused.name);
    if (cmd && !decl) throw new Error(`fake discord: /${p.name} has no option "${p.focused.name}"`);
    if (decl && !decl.autocomplete) throw new Error(`fake discord: option "${p.focused.name}" of /${p.name} is not declared with autocomplete`);
    level.push({ name: p.focused.name, type: p.focused.type ?? decl?.type ?? 3, value: p.focused.value, focused: true });
    const filled = this.fillOptions(options, cmd?.body.options, `/${p.name}`, false);
    const data: any = {
      id: cmd?.id ?? snowflake(),
      name: p.name,
      type: 1,
      ...(guildScoped ? { guild_id: ctx.guild!.id } : {}),
      options: filled,
    };
    return this.createInteraction(4, ctx, data, `autocomplete /${p.name} (${p.focused.name})`);
  }

  button(p: ComponentParams): InteractionHandle {
    const { message, component } = this.componentMessage(p, 2);
    const ctx = this.context({ ...p, channelId: message.channel_id });
    const data: any = { custom_id: p.customId, component_type: 2, ...(typeof component?.id === 'number' ? { id: component.id } : {}) };
    return this.createInteraction(3, ctx, data, `button "${p.customId}"`, message);
  }

  selectMenu(p: SelectParams): InteractionHandle {
    const type = p.componentType ?? 3;
    const { message, component } = this.componentMessage(p, type);
    const ctx = this.context({ ...p, channelId: message.channel_id });
    if (component && type === 3 && Array.isArray(component.options)) {
      const allowed = new Set(component.options.map((o: any) => o.value));
      for (const v of p.values) if (!allowed.has(v)) throw new Error(`fake discord: select "${p.customId}" has no option "${v}"`);
    }
    if (component) {
      const min = component.min_values ?? 1;
      const max = component.max_values ?? 1;
      if (p.values.length < min || p.values.length > max) {
        throw new Error(`fake discord: select "${p.customId}" takes ${min}–${max} values, got ${p.values.length}`);
      }
    }
    const resolved = this.resolveSelect(ctx, type, p.values);
    const data: any = { custom_id: p.customId, component_type: type, values: [...p.values], ...(resolved ? { resolved } : {}) };
    return this.createInteraction(3, ctx, data, `select "${p.customId}"`, message);
  }

  modalSubmit(p: ModalSubmitParams): InteractionHandle {
    const ctx = this.context(p);
    let shown: { interaction: FakeInteraction; data: any } | undefined;
    if (p.from) {
      const it = this.interactions.get(p.from.id);
      if (!it?.shownModal) throw new Error(`fake discord: interaction ${p.from.id} did not show a modal`);
      shown = { interaction: it, data: it.shownModal };
    } else {
      const candidates = this.shownModals.filter((m) => m.data.custom_id === p.customId);
      shown = candidates.filter((m) => m.userId === p.userId).pop() ?? candidates.pop();
    }
    const customId = p.customId ?? shown?.data.custom_id;
    if (!customId) throw new Error('fake discord: modalSubmit needs customId or from');
    if (shown && p.customId !== undefined && p.customId !== shown.data.custom_id) {
      throw new Error(`fake discord: the shown modal's custom_id is "${shown.data.custom_id}", not "${p.customId}"`);
    }
    const components = shown ? this.submitFromModal(shown.data, p.fields) : this.synthesizeSubmit(p.fields, p.legacy ?? false);
    const resolved = this.resolveModalValues(ctx, components);
    const data: any = { custom_id: customId, components, ...(resolved ? { resolved } : {}) };
    const componentMessage = shown?.interaction.type === 3 ? shown.interaction.componentMessage : undefined;
    return this.createInteraction(5, ctx, data, `modal "${customId}"`, componentMessage);
  }

  // ================================================================== internals used by rest.ts / gateway.ts

  /** @internal */
  interactionById(id: string): FakeInteraction | undefined {
    return this.interactions.get(id);
  }

  /** @internal */
  interactionByToken(token: string): FakeInteraction | undefined {
    return this.byToken.get(token);
  }

  /** @internal */
  modalShown(it: FakeInteraction, data: any): void {
    const d = it.payload;
    this.shownModals.push({ interaction: it, data, userId: (d.member?.user ?? d.user).id });
  }

  /** @internal */
  memberUpdated(g: GuildState, m: FakeMember): void {
    this.gatewayDispatch('GUILD_MEMBER_UPDATE', { ...apiMember(g, m), guild_id: g.id }, Intents.GuildMembers);
  }

  /** @internal */
  violation(msg: string): void {
    this.violations.push(msg);
    this.debug(`VIOLATION ${msg}`);
  }

  private debug(msg: string): void {
    if (this.debugOn) console.log(`[fake-discord] ${msg}`);
  }

  private requireGuild(id: string): GuildState {
    const g = this.state.guilds.get(id);
    if (!g) throw new Error(`fake discord: unknown guild ${id}`);
    return g;
  }

  // ------------------------------------------------------------------ HTTP

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const file = /^\/attachments\/(\d+)\/[^/]+$/.exec(url.pathname);
    if (file && method === 'GET') {
      const stored = this.attachments.get(file[1]!);
      res.writeHead(stored ? 200 : 404, { 'content-type': stored?.attachment.content_type ?? 'application/octet-stream' });
      res.end(stored ? stored.bytes : 'Not Found');
      return;
    }
    const m = /^\/api\/v(\d+)(\/.*)$/.exec(url.pathname);
    const path = m ? m[2] : url.pathname;
    const reasonHeader = req.headers['x-audit-log-reason'];
    const auditLogReason = typeof reasonHeader === 'string' ? decodeURIComponent(reasonHeader) : undefined;
    const log: RestLogEntry = {
      method,
      at: Date.now(),
      path,
      status: 0,
      ...(url.search ? { query: url.search.slice(1) } : {}),
      ...(auditLogReason ? { auditLogReason } : {}),
    };
    let bucket = `${method}:${path}`;
    try {
      if (!m || m[1] !== '10') throw Errors.unknownRoute();
      const found = this.router.match(method, path);
      if (found === undefined) throw Errors.unknownRoute();
      if (found === 'method') throw new HttpError(405, { message: '405: Method Not Allowed', code: 0 }, true);
      bucket = `${method}:${found.route.template}`;
      if (found.route.auth && req.headers.authorization !== `Bot ${this.token}`) throw Errors.unauthorized();
      const limitKey = rateLimitKey(bucket, found.params);
      const refused = this.refuseIfLimited(limitKey, found.route.auth, method, path);
      const injected = refused ?? this.injected(method, path, limitKey);
      if (injected) {
        log.status = injected.status;
        log.code = injected.body?.code;
        this.restLog.push(log);
        this.send(res, injected.status, injected.body, bucket, injected.headers, injected.status !== 429 || injected.body?.global !== true);
        return;
      }
      const body = await this.parseBody(req, raw, path);
      if (body !== undefined) log.body = body;
      const rr: RestRequest = { method, path, query: url.searchParams, headers: req.headers, body, ...(auditLogReason ? { auditLogReason } : {}) };
      const out = await found.route.handler(rr, found.params);
      log.status = out.status;
      this.restLog.push(log);
      this.send(res, out.status, out.body, bucket);
    } catch (err) {
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, { message: '500: Internal Server Error', code: 0 }, true, `fake discord bug: ${(err as Error)?.stack ?? String(err)}`);
      log.status = e.status;
      if (typeof e.body?.code === 'number') log.code = e.body.code;
      this.restLog.push(log);
      if (e.violation) {
        this.violation(`${method} ${redact(path)} → ${e.status}${e.body?.code !== undefined ? ` (${e.body.code} ${e.body.message})` : ''}${e.detail ? `: ${e.detail}` : ''}`);
      }
      this.send(res, e.status, e.body, bucket, e.headers);
    }
  }

  private async parseBody(req: http.IncomingMessage, raw: Buffer, path: string): Promise<any> {
    if (raw.length === 0) return undefined;
    const ct = String(req.headers['content-type'] ?? '');
    if (ct.startsWith('multipart/form-data')) {
      // Discord refuses a request over its upload limit before reading it.
      if (raw.length > MAX_UPLOAD_BYTES) {
        throw new HttpError(413, { message: 'Request entity too large', code: 40005 }, true, `${raw.length} bytes in one request (limit ${MAX_UPLOAD_BYTES})`);
      }
      const form = await new Response(raw, { headers: { 'content-type': ct } }).formData();
      const payload = form.get('payload_json');
      let body: any;
      try {
        body = typeof payload === 'string' ? JSON.parse(payload) : {};
      } catch {
        throw Errors.invalidJson();
      }
      // Uploaded files become attachment objects (`files[n]` ↔ `attachments[i].id === n`), as Discord answers them.
      // Their bytes are kept (`uploads`) and served from this server at the attachment's url, as Discord's CDN would.
      const files: Array<{ index: string; file: File }> = [];
      for (const [key, value] of form.entries()) {
        const m = /^files\[(\d+)\]$/.exec(key);
        if (m && typeof value !== 'string') files.push({ index: m[1]!, file: value });
      }
      if (files.length > MAX_FILES) {
        const errors = new FormErrors();
        errors.add(['attachments'], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_FILES} or fewer in length.`);
        throw errors.toHttpError();
      }
      const uploaded: any[] = [];
      for (const { index, file } of files) {
        const described = Array.isArray(body.attachments) ? body.attachments.find((a: any) => String(a.id) === index) : undefined;
        const id = snowflake();
        const filename = described?.filename ?? file.name;
        const bytes = Buffer.from(await file.arrayBuffer());
        const served = `/attachments/${id}/${encodeURIComponent(filename)}`;
        const attachment = {
          id,
          filename,
          size: bytes.length,
          url: `http://127.0.0.1:${this.port}${served}`,
          proxy_url: `http://127.0.0.1:${this.port}${served}?proxy=1`,
          content_type: file.type || 'application/octet-stream',
          ...(described?.description ? { description: described.description } : {}),
        };
        uploaded.push(attachment);
        this.attachments.set(id, { attachment, bytes });
        this.uploads.push({ attachmentId: id, filename, contentType: attachment.content_type, bytes, path });
      }
      if (uploaded.length) body.attachments = uploaded;
      return body;
    }
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      throw Errors.invalidJson();
    }
  }

  /**
   * A request into a bucket (or, for authenticated routes, a global limit) that an earlier 429 closed: refused with
   * another 429 for the time left, and recorded as a violation. Interaction routes are not under the global limit.
   */
  private refuseIfLimited(key: string, auth: boolean, method: string, path: string): Injected | undefined {
    const now = Date.now();
    const global = auth ? this.closedBuckets.get(GLOBAL_BUCKET) : undefined;
    const closed = global && global.until > now ? { key: GLOBAL_BUCKET, ...global } : { key, ...this.closedBuckets.get(key) };
    if (closed.until === undefined || closed.until <= now) return undefined;
    const earlyByMs = closed.until - now;
    const shown = redact(path);
    this.rateLimitViolations.push({ method, path: shown, bucket: closed.key, earlyByMs });
    this.violation(`${method} ${shown} → 429: sent ${earlyByMs} ms before the Retry-After of an earlier 429 on ${closed.key} expired`);
    return tooManyRequests(earlyByMs / 1000, closed.scope!);
  }

  /** A 429 as Discord sends it; it closes the bucket (or everything, when global) for `seconds`. */
  private rateLimited(key: string, seconds: number, scope: 'user' | 'shared' | 'global'): Injected {
    this.closedBuckets.set(scope === 'global' ? GLOBAL_BUCKET : key, { until: Date.now() + seconds * 1000, scope });
    return tooManyRequests(seconds, scope);
  }

  private injected(method: string, path: string, limitKey: string): Injected | undefined {
    const matches = (r: { method?: string; path: RegExp }) => (!r.method || r.method.toUpperCase() === method) && r.path.test(path);
    const rl = this.rateRules.find((r) => r.left > 0 && matches(r));
    if (rl) {
      rl.left -= 1;
      return this.rateLimited(limitKey, rl.retryAfterSeconds, rl.global ? 'global' : (rl.scope ?? 'user'));
    }
    const f = this.failRules.find((r) => r.left > 0 && matches(r));
    if (f) {
      f.left -= 1;
      if (f.status === 429) return this.rateLimited(limitKey, 1, 'user');
      const body = f.status >= 500 ? { message: `${f.status}: ${f.message ?? 'Internal Server Error'}`, code: 0 } : { message: f.message ?? 'Injected failure', code: f.code ?? 0 };
      return { status: f.status, body, headers: {} };
    }
    return undefined;
  }

  private send(res: http.ServerResponse, status: number, body: any, bucket: string, extra: Record<string, string> = {}, bucketHeaders = true): void {
    // A global 429 is about no bucket: Discord sends it without the per-route headers.
    const headers: Record<string, string> = {
      ...(bucketHeaders
        ? {
            'X-RateLimit-Limit': '5',
            'X-RateLimit-Remaining': '4',
            'X-RateLimit-Reset': (Date.now() / 1000 + 1).toFixed(3),
            'X-RateLimit-Reset-After': '1.000',
            'X-RateLimit-Bucket': createHash('sha1').update(bucket).digest('hex').slice(0, 32),
          }
        : {}),
      ...extra,
    };
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  // ------------------------------------------------------------------ interaction building

  private context(p: InteractionBaseParams): Ctx {
    const user = this.state.user(p.userId);
    if (!user) throw new Error(`fake discord: unknown user ${p.userId}`);
    if (p.guildId !== undefined) {
      const guild = this.requireGuild(p.guildId);
      const member = guild.members.get(p.userId);
      if (!member) throw new Error(`fake discord: user ${p.userId} is not a member of guild ${p.guildId}`);
      const ch = p.channelId ? guild.channels.get(p.channelId) : this.state.firstTextChannel(guild);
      if (!ch) throw new Error(`fake discord: channel ${p.channelId} is not in guild ${p.guildId}`);
      return { guild, channel: apiChannel(guild, ch), user, member, p };
    }
    if (p.channelId) {
      const c = this.state.channel(p.channelId);
      if (c?.guild) return this.context({ ...p, guildId: c.guild.id });
      if (c?.dm && c.dm.recipients[0].id === p.userId) return { channel: c.dm, user, p };
      throw new Error(`fake discord: channel ${p.channelId} is neither a guild channel nor ${p.userId}'s DM`);
    }
    return { channel: this.state.dmChannelFor(p.userId), user, p };
  }

  private createInteraction(type: number, ctx: Ctx, data: any, label: string, componentMessage?: any): InteractionHandle {
    if (this.gateway.liveSessions() === 0) throw new Error('fake discord: no gateway session (log the client in first)');
    const id = snowflake();
    const token = `aW50ZXJhY3Rpb246${Buffer.from(`${id}:${randomBytes(48).toString('base64url')}`).toString('base64url')}`;
    const g = ctx.guild;
    const appPermissions = g ? this.state.memberPermissions(g, this.state.botUser.id).toString() : (Perm.ViewChannel | Perm.SendMessages | Perm.EmbedLinks).toString();
    const payload: any = {
      id,
      application_id: this.applicationId,
      type,
      data,
      token,
      version: 1,
      app_permissions: appPermissions,
      locale: ctx.p.locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': g ? g.id : '0' },
      context: g ? 0 : 1,
      attachment_size_limit: 10_485_760,
      channel_id: ctx.channel.id,
      channel: g ? { ...ctx.channel } : { ...ctx.channel, recipients: [apiUser(ctx.user)] },
    };
    if (g) {
      payload.guild_id = g.id;
      payload.guild = { id: g.id, locale: 'en-US', features: [] };
      payload.guild_locale = 'en-US';
      payload.member = {
        ...apiMember(g, ctx.member!),
        roles: ctx.p.roles ?? [...ctx.member!.roles],
        permissions: ctx.p.permissions ?? ALL_PERMISSIONS,
      };
    } else {
      payload.user = apiUser(ctx.user);
    }
    if (componentMessage) payload.message = componentMessage;
    const it = new FakeInteraction(id, token, type, payload, label, componentMessage);
    this.interactions.set(id, it);
    this.byToken.set(token, it);
    it.ackTimer = setTimeout(() => {
      if (it.acked) return;
      const msg = `${label}: not acknowledged within ${this.ackTimeoutMs} ms (Discord shows "The application did not respond")`;
      this.violation(msg);
      it.markExpired(new Error(`fake discord: ${msg}`));
    }, this.ackTimeoutMs);
    it.ackTimer.unref();
    this.gatewayDispatch('INTERACTION_CREATE', payload);
    return it;
  }

  private lookupCommand(ctx: { guild?: GuildState }, name: string, type: number, permissions?: string): { cmd?: { id: string; body: any }; guildScoped: boolean } {
    const guildCmds = ctx.guild ? this.state.commands.get(ctx.guild.id) ?? [] : [];
    const globalCmds = this.state.commands.get('global') ?? [];
    const match = (c: { body: any }) => c.body.name === name && (c.body.type ?? 1) === type;
    const gc = guildCmds.find(match);
    const cmd = gc ?? globalCmds.find(match);
    if (!cmd) {
      if (guildCmds.length + globalCmds.length > 0) {
        const names = [...guildCmds, ...globalCmds].map((c) => c.body.name).join(', ');
        throw new Error(`fake discord: /${name} is not registered here (registered: ${names})`);
      }
      return { guildScoped: false };
    }
    const dmp = cmd.body.default_member_permissions;
    if (typeof dmp === 'string' && ctx.guild) {
      const have = BigInt(permissions ?? ALL_PERMISSIONS);
      const need = BigInt(dmp);
      if (!(have & Perm.Administrator) && (need === 0n || (have & need) !== need)) {
        throw new Error(`fake discord: the member cannot see /${name} (default_member_permissions ${dmp}, member has ${have})`);
      }
    }
    return { cmd, guildScoped: Boolean(gc) };
  }

  /** Fills option types from the registered declaration and checks what the Discord client would enforce. */
  private fillOptions(options: any[], decls: any[] | undefined, where: string, strict: boolean): any[] {
    const out = (options ?? []).map((o) => {
      const decl = decls?.find((d: any) => d.name === o.name);
      if (decls && !decl) throw new Error(`fake discord: ${where} has no option "${o.name}"`);
      const type = o.type ?? decl?.type;
      if (type === undefined) throw new Error(`fake discord: option "${o.name}" of ${where} needs a type (the command is not registered)`);
      const filled: any = { ...o, type };
      if (type === 1 || type === 2) {
        filled.options = this.fillOptions(o.options ?? [], decl ? decl.options ?? [] : undefined, `${where} ${o.name}`, strict);
        return filled;
      }
      if (strict && decl?.choices && !o.focused && !decl.choices.some((c: any) => c.value === o.value)) {
        throw new Error(`fake discord: ${o.value} is not a choice of option "${o.name}" of ${where}`);
      }
      return filled;
    });
    if (strict && decls && !decls.some((d: any) => d.type === 1 || d.type === 2)) {
      for (const d of decls) {
        if (d.required && !out.some((o) => o.name === d.name)) throw new Error(`fake discord: required option "${d.name}" of ${where} is missing`);
      }
    }
    if (strict && decls?.some((d: any) => d.type === 1 || d.type === 2) && out.length !== 1) {
      throw new Error(`fake discord: ${where} needs exactly one subcommand`);
    }
    return out;
  }

  private resolvedFor(ctx: { guild?: GuildState }, kind: 'user' | 'role' | 'channel' | 'mentionable', id: string, resolved: any): void {
    const g = ctx.guild;
    if (kind === 'user' || kind === 'mentionable') {
      const user = this.state.user(id);
      if (user) {
        (resolved.users ??= {})[id] = apiUser(user);
        const m = g?.members.get(id);
        if (g && m) {
          const { user: _u, ...member } = apiMember(g, m);
          (resolved.members ??= {})[id] = { ...member, permissions: this.state.memberPermissions(g, id).toString() };
        }
        return;
      }
      if (kind === 'user') throw new Error(`fake discord: unknown user ${id}`);
    }
    if (kind === 'role' || kind === 'mentionable') {
      const role = g?.roles.get(id);
      if (!role) throw new Error(`fake discord: unknown role ${id}`);
      (resolved.roles ??= {})[id] = apiRole(role);
      return;
    }
    const c = this.state.channel(id);
    if (!c?.guild) throw new Error(`fake discord: unknown channel ${id}`);
    const ch = apiChannel(c.guild, c.channel!);
    (resolved.channels ??= {})[id] = { id: ch.id, name: ch.name, type: ch.type, parent_id: ch.parent_id, flags: 0, permissions: ALL_PERMISSIONS };
  }

  private resolveOptions(ctx: { guild?: GuildState }, options: any[]): any | undefined {
    const resolved: any = {};
    const kinds: Record<number, 'user' | 'channel' | 'role' | 'mentionable'> = { 6: 'user', 7: 'channel', 8: 'role', 9: 'mentionable' };
    const walk = (list: any[]): void => {
      for (const o of list) {
        if (o.type === 1 || o.type === 2) walk(o.options ?? []);
        else if (kinds[o.type]) this.resolvedFor(ctx, kinds[o.type], String(o.value), resolved);
        else if (o.type === 11) {
          const stored = this.attachments.get(String(o.value));
          if (!stored) throw new Error(`fake discord: unknown attachment ${o.value} (create it with fake.attachment())`);
          (resolved.attachments ??= {})[stored.attachment.id] = { ...stored.attachment };
        }
      }
    };
    walk(options);
    return Object.keys(resolved).length ? resolved : undefined;
  }

  private resolveSelect(ctx: { guild?: GuildState }, type: number, values: string[]): any | undefined {
    const kinds: Record<number, 'user' | 'channel' | 'role' | 'mentionable'> = { 5: 'user', 6: 'role', 7: 'mentionable', 8: 'channel' };
    const kind = kinds[type];
    if (!kind) return undefined;
    const resolved: any = {};
    for (const v of values) this.resolvedFor(ctx, kind, v, resolved);
    return resolved;
  }

  private resolveModalValues(ctx: { guild?: GuildState }, components: any[]): any | undefined {
    const resolved: any = {};
    const kinds: Record<number, 'user' | 'channel' | 'role' | 'mentionable'> = { 5: 'user', 6: 'role', 7: 'mentionable', 8: 'channel' };
    for (const c of components) {
      const inner = c.component;
      if (inner && kinds[inner.type]) for (const v of inner.values ?? []) this.resolvedFor(ctx, kinds[inner.type], v, resolved);
    }
    return Object.keys(resolved).length ? resolved : undefined;
  }

  /** Finds the message carrying the component (see ComponentParams.message). */
  private componentMessage(p: ComponentParams, type: number): { message: any; component?: any } {
    const findComponent = (msg: any): any => {
      let found: any;
      const walk = (list: any[]): void => {
        for (const c of list ?? []) {
          if (c?.custom_id === p.customId) found ??= c;
          if (Array.isArray(c?.components)) walk(c.components);
          if (c?.accessory) walk([c.accessory]);
        }
      };
      walk(msg?.components ?? []);
      return found;
    };
    let message: any;
    if (typeof p.message === 'string') {
      message = this.state.findMessage(p.message);
      if (!message) throw new Error(`fake discord: no message ${p.message}`);
    } else if (p.message && typeof p.message === 'object') {
      message = p.message;
    } else {
      const channels = p.channelId
        ? [p.channelId]
        : p.guildId
          ? [...(this.state.guilds.get(p.guildId)?.channels.keys() ?? [])]
          : [...this.state.messages.keys()];
      const all = channels.flatMap((c) => this.state.messages.get(c) ?? []).filter((m) => findComponent(m));
      all.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      message = all.pop();
    }
    if (!message) {
      // Nothing the bot sent carries this component: make up the bot message it would be on.
      const ctx = this.context(p);
      const component =
        type === 2
          ? { type: 2, style: 1, label: p.customId.slice(0, 80), custom_id: p.customId }
          : { type, custom_id: p.customId, ...(type === 3 ? { options: ((p as SelectParams).values ?? []).map((v) => ({ label: v, value: v })) } : {}), min_values: 0, max_values: 25 };
      message = this.router.message(ctx.channel.id, { content: '', components: [{ type: 1, id: 1, components: [{ ...component, id: 2 }] }] });
      this.state.storeMessage(ctx.channel.id, message);
      return { message };
    }
    const component = findComponent(message);
    if (!component) throw new Error(`fake discord: message ${message.id} has no component "${p.customId}"`);
    if (component.type !== type) throw new Error(`fake discord: component "${p.customId}" has type ${component.type}, not ${type}`);
    if (component.disabled) throw new Error(`fake discord: component "${p.customId}" is disabled`);
    return { message, component };
  }

  private submitFromModal(modal: any, fields: Record<string, string | string[]>): any[] {
    let nextId = 1;
    const used = new Set<string>();
    const inner = (c: any): any => {
      const id = typeof c.id === 'number' ? c.id : nextId++;
      const cid: string = c.custom_id;
      const v = fields[cid];
      if (v !== undefined) used.add(cid);
      if (c.type === 4) {
        if (Array.isArray(v)) throw new Error(`fake discord: modal field "${cid}" is a text input: give a string`);
        const value = v ?? c.value ?? '';
        const required = c.required ?? true;
        if (required && value.length === 0) throw new Error(`fake discord: modal text input "${cid}" is required`);
        if (value.length > 0) {
          if (c.min_length !== undefined && [...value].length < c.min_length) throw new Error(`fake discord: "${cid}" needs at least ${c.min_length} characters`);
          if ([...value].length > (c.max_length ?? 4000)) throw new Error(`fake discord: "${cid}" takes at most ${c.max_length ?? 4000} characters`);
        }
        return { type: 4, id, custom_id: cid, value };
      }
      if (c.type === 23) return { type: 23, id, custom_id: cid, value: v === 'true' || (Array.isArray(v) && v[0] === 'true') };
      if (c.type === 21) return { type: 21, id, custom_id: cid, value: Array.isArray(v) ? v[0] ?? null : v ?? null };
      const values = v === undefined ? [] : Array.isArray(v) ? v : [v];
      if (c.type === 3 && Array.isArray(c.options)) {
        const allowed = new Set(c.options.map((o: any) => o.value));
        for (const x of values) if (!allowed.has(x)) throw new Error(`fake discord: select "${cid}" has no option "${x}"`);
      }
      const required = c.required ?? true;
      const min = c.min_values ?? 1;
      const max = c.max_values ?? 1;
      if ((required || values.length > 0) && (values.length < min || values.length > max)) {
        throw new Error(`fake discord: select "${cid}" takes ${min}–${max} values, got ${values.length}`);
      }
      return { type: c.type, id, custom_id: cid, values };
    };
    const out = (modal.components as any[]).map((top) => {
      if (top.type === 1) {
        const id = typeof top.id === 'number' ? top.id : nextId++;
        return { type: 1, id, components: top.components.map(inner) };
      }
      if (top.type === 18) {
        const id = typeof top.id === 'number' ? top.id : nextId++;
        return { type: 18, id, component: inner(top.component) };
      }
      return { type: top.type, id: typeof top.id === 'number' ? top.id : nextId++ };
    });
    for (const k of Object.keys(fields)) if (!used.has(k)) throw new Error(`fake discord: the shown modal "${modal.custom_id}" has no field "${k}"`);
    return out;
  }

  private synthesizeSubmit(fields: Record<string, string | string[]>, legacy: boolean): any[] {
    let nextId = 1;
    return Object.entries(fields).map(([cid, v]) => {
      if (legacy) {
        if (Array.isArray(v)) throw new Error('fake discord: the legacy modal form only has text inputs');
        const id = nextId++;
        return { type: 1, id, components: [{ type: 4, id: nextId++, custom_id: cid, value: v }] };
      }
      const id = nextId++;
      const component = Array.isArray(v) ? { type: 3, id: nextId++, custom_id: cid, values: v } : { type: 4, id: nextId++, custom_id: cid, value: v };
      return { type: 18, id, component };
    });
  }
}

type Injected = { status: number; body: any; headers: Record<string, string> };

const GLOBAL_BUCKET = 'global';

/** Discord limits per route and major parameter (guild, channel, webhook or interaction token; the token only hashed, as keys reach messages). */
function rateLimitKey(bucket: string, params: Record<string, string>): string {
  const token = params.token !== undefined ? createHash('sha1').update(params.token).digest('hex').slice(0, 12) : undefined;
  const major = params.channel ?? params.guild ?? (token !== undefined ? `${params.app ?? params.id}/${token}` : undefined);
  return major === undefined ? bucket : `${bucket}:${major}`;
}

/**
 * Discord's 429: `retry_after` in the body to the millisecond, `Retry-After` in whole seconds (rounded up), and for a
 * route limit the bucket headers with nothing remaining until the reset.
 */
function tooManyRequests(seconds: number, scope: 'user' | 'shared' | 'global'): Injected {
  const global = scope === 'global';
  const s = Math.round(seconds * 1000) / 1000;
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: s, global, ...(global ? {} : { code: 0 }) },
    headers: {
      'Retry-After': String(Math.max(1, Math.ceil(s))),
      'X-RateLimit-Scope': scope,
      ...(global
        ? { 'X-RateLimit-Global': 'true' }
        : { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-After': s.toFixed(3), 'X-RateLimit-Reset': (Date.now() / 1000 + s).toFixed(3) }),
    },
  };
}

function redact(path: string): string {
  return path.replace(/^(\/(?:interactions\/\d+|webhooks\/\d+)\/)[^/]+/, '$1:token');
}
