/* eslint-disable @typescript-eslint/no-explicit-any */
/** REST routes under /api/v10, answered as Discord answers them. */
import type { FakeDiscord } from './index';
import type { FakeInteraction } from './interactions';
import { checkChoices, checkCommand, checkCommandList, checkMessageBody, checkModal, FLAG_EPHEMERAL, FLAG_LOADING } from './rules';
import { apiChannel, apiGuild, apiMember, apiRoles, apiUser, type GuildState } from './state';
import { apiError, Errors, FormErrors, HttpError, isoNow, Perm, snowflake } from './util';

export interface RestRequest {
  method: string;
  /** Path below /api/v10. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  auditLogReason?: string;
}

export interface RestResponse {
  status: number;
  body?: any;
}

type Handler = (req: RestRequest, p: Record<string, string>) => RestResponse | Promise<RestResponse>;

interface Route {
  method: string;
  template: string;
  re: RegExp;
  keys: string[];
  auth: boolean;
  handler: Handler;
}

const json = (body: any, status = 200): RestResponse => ({ status, body });
const noContent = (): RestResponse => ({ status: 204 });

/** Interaction callback types allowed for each interaction type. */
const ALLOWED_CALLBACKS: Record<number, number[]> = {
  2: [4, 5, 9, 10, 12],
  3: [4, 5, 6, 7, 9, 10, 12],
  4: [8],
  5: [4, 5, 6, 7, 10, 12],
};

export class RestRouter {
  private readonly routes: Route[] = [];

  constructor(private readonly fake: FakeDiscord) {
    const a = true;
    const n = false;
    // gateway / identity
    this.add('GET', '/gateway/bot', a, () => this.gatewayBot());
    this.add('GET', '/gateway', n, () => json({ url: this.fake.wsUrl() }));
    this.add('GET', '/users/@me', a, () => json({ ...apiUser(this.state.botUser), verified: true, mfa_enabled: false, email: null, locale: 'en-US' }));
    this.add('GET', '/applications/@me', a, () => json(this.application()));
    this.add('GET', '/oauth2/applications/@me', a, () => json(this.application()));
    this.add('GET', '/users/@me/guilds', a, (r) => this.currentUserGuilds(r));
    this.add('POST', '/users/@me/channels', a, (r) => this.createDm(r));
    this.add('GET', '/users/:user', a, (_r, p) => {
      const u = this.state.user(p.user);
      if (!u) throw Errors.unknownUser();
      return json(apiUser(u));
    });
    // commands
    for (const scope of ['', '/guilds/:guild']) {
      const base = `/applications/:app${scope}/commands`;
      this.add('GET', base, a, (r, p) => this.listCommands(p));
      this.add('PUT', base, a, (r, p) => this.putCommands(r, p));
      this.add('POST', base, a, (r, p) => this.postCommand(r, p));
      this.add('GET', `${base}/:cmd`, a, (r, p) => this.getCommand(p));
      this.add('PATCH', `${base}/:cmd`, a, (r, p) => this.patchCommand(r, p));
      this.add('DELETE', `${base}/:cmd`, a, (r, p) => this.deleteCommand(p));
    }
    // guilds
    this.add('GET', '/guilds/:guild', a, (r, p) => this.getGuild(r, p));
    this.add('GET', '/guilds/:guild/roles', a, (_r, p) => json(apiRoles(this.guild(p.guild), this.state.botUser.id)));
    this.add('GET', '/guilds/:guild/roles/:role', a, (_r, p) => {
      const g = this.guild(p.guild);
      const role = apiRoles(g, this.state.botUser.id).find((x) => x.id === p.role);
      if (!role) throw Errors.unknownRole();
      return json(role);
    });
    this.add('GET', '/guilds/:guild/channels', a, (_r, p) => {
      const g = this.guild(p.guild);
      return json([...g.channels.values()].map((c) => apiChannel(g, c)));
    });
    this.add('GET', '/guilds/:guild/members', a, (r, p) => this.listMembers(r, p));
    this.add('GET', '/guilds/:guild/members/search', a, (r, p) => this.searchMembers(r, p));
    this.add('GET', '/guilds/:guild/members/:user', a, (_r, p) => {
      const g = this.guild(p.guild);
      const m = g.members.get(p.user);
      if (!m) throw Errors.unknownMember();
      return json(apiMember(g, m));
    });
    this.add('PATCH', '/guilds/:guild/members/:user', a, (r, p) => this.patchMember(r, p));
    this.add('PUT', '/guilds/:guild/members/:user/roles/:role', a, (r, p) => this.memberRole(r, p, 'add'));
    this.add('DELETE', '/guilds/:guild/members/:user/roles/:role', a, (r, p) => this.memberRole(r, p, 'remove'));
    // channels & messages
    this.add('GET', '/channels/:channel', a, (_r, p) => json(this.channelObject(p.channel)));
    this.add('POST', '/channels/:channel/messages', a, (r, p) => this.createMessage(r, p));
    this.add('GET', '/channels/:channel/messages', a, (r, p) => this.listMessages(r, p));
    this.add('GET', '/channels/:channel/messages/:message', a, (_r, p) => json(this.channelMessage(p)));
    this.add('PATCH', '/channels/:channel/messages/:message', a, (r, p) => this.editChannelMessage(r, p));
    this.add('DELETE', '/channels/:channel/messages/:message', a, (_r, p) => this.deleteChannelMessage(p));
    // interactions (no Authorization)
    this.add('POST', '/interactions/:id/:token/callback', n, (r, p) => this.callback(r, p));
    this.add('POST', '/webhooks/:app/:token', n, (r, p) => this.followUp(r, p));
    this.add('GET', '/webhooks/:app/:token/messages/:message', n, (_r, p) => this.webhookMessage(p, 'GET'));
    this.add('PATCH', '/webhooks/:app/:token/messages/:message', n, (r, p) => this.webhookMessage(p, 'PATCH', r));
    this.add('DELETE', '/webhooks/:app/:token/messages/:message', n, (_r, p) => this.webhookMessage(p, 'DELETE'));
  }

  private get state() {
    return this.fake.state;
  }

  private add(method: string, template: string, auth: boolean, handler: Handler): void {
    const keys: string[] = [];
    const re = new RegExp(
      `^${template
        .split('/')
        .map((seg) => {
          if (seg.startsWith(':')) {
            keys.push(seg.slice(1));
            return '([^/]+)';
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/')}$`,
    );
    this.routes.push({ method, template, re, keys, auth, handler });
  }

  /** Finds the route; `undefined` → 404, `'method'` → 405. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    // Literal segments win over parameters (/members/search before /members/:user).
    const candidates = this.routes
      .map((route) => ({ route, m: route.re.exec(path) }))
      .filter((x) => x.m)
      .sort((x, y) => x.route.keys.length - y.route.keys.length);
    for (const { route, m } of candidates) {
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m![i + 1])));
      return { route, params };
    }
    return pathMatched ? 'method' : undefined;
  }

  // ------------------------------------------------------------------ identity

  private gatewayBot(): RestResponse {
    return json({
      url: this.fake.wsUrl(),
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
    });
  }

  /** GET /users/@me/guilds: partial guilds, by id, `before`/`after`/`limit` (1–200, default 200), `with_counts`. */
  private currentUserGuilds(r: RestRequest): RestResponse {
    const e = new FormErrors();
    const limitRaw = r.query.get('limit');
    const limit = limitRaw === null ? 200 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) e.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 200.');
    e.throwIfAny();
    const before = r.query.get('before');
    const after = r.query.get('after');
    const botId = this.state.botUser.id;
    let guilds = [...this.state.guilds.values()].sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
    if (after !== null) guilds = guilds.filter((g) => BigInt(g.id) > BigInt(after));
    if (before !== null) guilds = guilds.filter((g) => BigInt(g.id) < BigInt(before)).slice(-limit);
    guilds = guilds.slice(0, limit);
    const withCounts = r.query.get('with_counts') === 'true';
    return json(
      guilds.map((g) => ({
        id: g.id,
        name: g.name,
        icon: null,
        banner: null,
        owner: g.ownerId === botId,
        permissions: this.state.memberPermissions(g, botId).toString(),
        features: [],
        ...(withCounts ? { approximate_member_count: g.members.size, approximate_presence_count: 0 } : {}),
      })),
    );
  }

  private application(): any {
    const bot = this.state.botUser;
    return {
      id: this.fake.applicationId,
      name: bot.username,
      icon: null,
      description: '',
      summary: '',
      type: null,
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      // GATEWAY_GUILD_MEMBERS_LIMITED: the Server Members Intent is on (the fake's gateway grants it), unless a test turned it off.
      flags: this.fake.serverMembersIntent ? 1 << 15 : 0,
      hook: true,
      is_monetized: false,
      is_verified: false,
      is_discoverable: false,
      storefront_available: false,
      integration_public: false,
      integration_require_code_grant: false,
      owner: apiUser({ id: snowflake(), username: 'owner' }),
      team: null,
      bot: apiUser(bot),
      approximate_guild_count: this.state.guilds.size,
      approximate_user_install_count: 0,
      interactions_endpoint_url: null,
      redirect_uris: [],
      tags: [],
      install_params: { scopes: ['bot', 'applications.commands'], permissions: '0' },
      integration_types_config: { '0': {} },
    };
  }

  // ------------------------------------------------------------------ commands

  private scopeKey(p: Record<string, string>): { key: string; guildId?: string } {
    if (p.app !== this.fake.applicationId) throw apiError(403, 50001, 'Missing Access', true, `application id ${p.app} is not ${this.fake.applicationId}`);
    if (p.guild !== undefined) {
      if (!this.state.guilds.has(p.guild)) throw apiError(403, 50001, 'Missing Access', true, `the bot is not in guild ${p.guild}`);
      return { key: p.guild, guildId: p.guild };
    }
    return { key: 'global' };
  }

  private commandOut(c: { id: string; application_id: string; guild_id?: string; version: string; body: any }): any {
    const b = c.body;
    const type = b.type ?? 1;
    return {
      id: c.id,
      application_id: c.application_id,
      version: c.version,
      default_member_permissions: b.default_member_permissions ?? null,
      type,
      name: b.name,
      name_localizations: b.name_localizations ?? null,
      description: b.description ?? '',
      description_localizations: b.description_localizations ?? null,
      ...(c.guild_id ? { guild_id: c.guild_id } : {}),
      ...(Array.isArray(b.options) && b.options.length ? { options: b.options } : {}),
      dm_permission: b.dm_permission ?? true,
      contexts: b.contexts ?? null,
      integration_types: b.integration_types ?? [0],
      nsfw: b.nsfw ?? false,
    };
  }

  private listCommands(p: Record<string, string>): RestResponse {
    const { key } = this.scopeKey(p);
    return json((this.state.commands.get(key) ?? []).map((c) => this.commandOut(c)));
  }

  private record(scope: { guildId?: string }, method: 'PUT' | 'POST' | 'PATCH' | 'DELETE', commands: any[], status: number): void {
    this.fake.commandRegistrations.push({
      scope: scope.guildId ? 'guild' : 'global',
      ...(scope.guildId ? { guildId: scope.guildId } : {}),
      method,
      commands,
      status,
    });
  }

  private putCommands(r: RestRequest, p: Record<string, string>): RestResponse {
    const scope = this.scopeKey(p);
    const e = new FormErrors();
    checkCommandList(e, r.body);
    if (!e.empty) {
      this.record(scope, 'PUT', Array.isArray(r.body) ? r.body : [r.body], 400);
      throw e.toHttpError();
    }
    const old = this.state.commands.get(scope.key) ?? [];
    const next = (r.body as any[]).map((body) => {
      const prev = old.find((c) => c.body.name === body.name && (c.body.type ?? 1) === (body.type ?? 1));
      const same = prev && JSON.stringify(prev.body) === JSON.stringify(body);
      return {
        id: prev?.id ?? snowflake(),
        application_id: this.fake.applicationId,
        ...(scope.guildId ? { guild_id: scope.guildId } : {}),
        version: same ? prev.version : snowflake(),
        body,
      };
    });
    this.state.commands.set(scope.key, next);
    this.record(scope, 'PUT', r.body, 200);
    return json(next.map((c) => this.commandOut(c)));
  }

  private postCommand(r: RestRequest, p: Record<string, string>): RestResponse {
    const scope = this.scopeKey(p);
    const e = new FormErrors();
    checkCommand(e, [], r.body);
    if (!e.empty) {
      this.record(scope, 'POST', [r.body], 400);
      throw e.toHttpError();
    }
    const list = this.state.commands.get(scope.key) ?? [];
    const idx = list.findIndex((c) => c.body.name === r.body.name && (c.body.type ?? 1) === (r.body.type ?? 1));
    const cmd = {
      id: idx >= 0 ? list[idx].id : snowflake(),
      application_id: this.fake.applicationId,
      ...(scope.guildId ? { guild_id: scope.guildId } : {}),
      version: snowflake(),
      body: r.body,
    };
    if (idx >= 0) list[idx] = cmd;
    else list.push(cmd);
    this.state.commands.set(scope.key, list);
    this.record(scope, 'POST', [r.body], idx >= 0 ? 200 : 201);
    return json(this.commandOut(cmd), idx >= 0 ? 200 : 201);
  }

  private findCommand(p: Record<string, string>) {
    const scope = this.scopeKey(p);
    const list = this.state.commands.get(scope.key) ?? [];
    const idx = list.findIndex((c) => c.id === p.cmd);
    if (idx < 0) throw Errors.unknownCommand();
    return { scope, list, idx };
  }

  private getCommand(p: Record<string, string>): RestResponse {
    const { list, idx } = this.findCommand(p);
    return json(this.commandOut(list[idx]));
  }

  private patchCommand(r: RestRequest, p: Record<string, string>): RestResponse {
    const { scope, list, idx } = this.findCommand(p);
    const merged = { ...list[idx].body, ...r.body };
    const e = new FormErrors();
    checkCommand(e, [], merged);
    if (!e.empty) {
      this.record(scope, 'PATCH', [r.body], 400);
      throw e.toHttpError();
    }
    list[idx] = { ...list[idx], body: merged, version: snowflake() };
    this.record(scope, 'PATCH', [r.body], 200);
    return json(this.commandOut(list[idx]));
  }

  private deleteCommand(p: Record<string, string>): RestResponse {
    const { scope, list, idx } = this.findCommand(p);
    list.splice(idx, 1);
    this.record(scope, 'DELETE', [], 204);
    return noContent();
  }

  // ------------------------------------------------------------------ guilds & members

  private guild(id: string): GuildState {
    const g = this.state.guilds.get(id);
    if (!g) throw Errors.unknownGuild();
    return g;
  }

  private getGuild(r: RestRequest, p: Record<string, string>): RestResponse {
    const g = this.guild(p.guild);
    const out = apiGuild(g, this.state.botUser.id);
    if (r.query.get('with_counts') === 'true') {
      out.approximate_member_count = g.members.size;
      out.approximate_presence_count = 0;
    }
    return json(out);
  }

  private listMembers(r: RestRequest, p: Record<string, string>): RestResponse {
    const g = this.guild(p.guild);
    const e = new FormErrors();
    const limitRaw = r.query.get('limit');
    const limit = limitRaw === null ? 1 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      e.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 1000.');
    }
    e.throwIfAny();
    const after = BigInt(r.query.get('after') ?? '0');
    const members = [...g.members.values()]
      .filter((m) => BigInt(m.user.id) > after)
      .sort((x, y) => (BigInt(x.user.id) < BigInt(y.user.id) ? -1 : 1))
      .slice(0, limit);
    return json(members.map((m) => apiMember(g, m)));
  }

  private searchMembers(r: RestRequest, p: Record<string, string>): RestResponse {
    const g = this.guild(p.guild);
    const query = r.query.get('query');
    if (query === null) {
      const e = new FormErrors();
      e.add(['query'], 'BASE_TYPE_REQUIRED', 'This field is required');
      throw e.toHttpError();
    }
    const limit = Math.min(Number(r.query.get('limit') ?? '1') || 1, 1000);
    const q = query.toLowerCase();
    const found = [...g.members.values()]
      .filter((m) => m.user.username.toLowerCase().startsWith(q) || (m.nick ?? '').toLowerCase().startsWith(q) || (m.user.global_name ?? '').toLowerCase().startsWith(q))
      .slice(0, limit);
    return json(found.map((m) => apiMember(g, m)));
  }

  /** Discord's role-hierarchy rule for the bot changing `roleId` on a member. */
  private checkCanManageRole(g: GuildState, roleId: string): void {
    const role = g.roles.get(roleId);
    if (!role) throw Errors.unknownRole();
    const botId = this.state.botUser.id;
    const perms = this.state.memberPermissions(g, botId);
    if (!(perms & Perm.ManageRoles)) throw Errors.missingPermissions(`the bot lacks MANAGE_ROLES in guild ${g.id}`);
    const top = this.state.highestPosition(g, botId);
    if (role.position >= top) {
      throw Errors.missingPermissions(`role ${role.name} (position ${role.position}) is not below the bot's highest role (position ${top})`);
    }
    if (role.managed) throw Errors.missingPermissions(`role ${role.name} is managed by an integration`);
    if (roleId === g.id) throw Errors.missingPermissions('@everyone cannot be assigned');
  }

  private memberRole(r: RestRequest, p: Record<string, string>, action: 'add' | 'remove'): RestResponse {
    const g = this.guild(p.guild);
    const m = g.members.get(p.user);
    if (!m) throw Errors.unknownMember();
    if (!g.roles.has(p.role)) throw Errors.unknownRole();
    this.checkCanManageRole(g, p.role);
    const has = m.roles.includes(p.role);
    if (action === 'add' && !has) m.roles.push(p.role);
    if (action === 'remove' && has) m.roles.splice(m.roles.indexOf(p.role), 1);
    if ((action === 'add') !== has) {
      this.fake.roleChanges.push({
        guildId: g.id,
        userId: m.user.id,
        roleId: p.role,
        action,
        via: action === 'add' ? 'PUT' : 'DELETE',
        ...(r.auditLogReason ? { reason: r.auditLogReason } : {}),
      });
      this.fake.memberUpdated(g, m);
    }
    return noContent();
  }

  private patchMember(r: RestRequest, p: Record<string, string>): RestResponse {
    const g = this.guild(p.guild);
    const m = g.members.get(p.user);
    if (!m) throw Errors.unknownMember();
    const body = r.body ?? {};
    const e = new FormErrors();
    if (body.roles !== undefined && body.roles !== null && !Array.isArray(body.roles)) e.add(['roles'], 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (body.nick !== undefined && body.nick !== null && (typeof body.nick !== 'string' || [...body.nick].length > 32)) {
      e.add(['nick'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
    }
    e.throwIfAny();
    let added: string[] = [];
    let removed: string[] = [];
    if (Array.isArray(body.roles)) {
      const next = [...new Set<string>(body.roles.map(String))].filter((id) => id !== g.id);
      for (const id of next) if (!g.roles.has(id)) throw Errors.unknownRole();
      added = next.filter((id) => !m.roles.includes(id));
      removed = m.roles.filter((id) => !next.includes(id));
      for (const id of [...added, ...removed]) this.checkCanManageRole(g, id);
    }
    if (body.nick !== undefined) {
      const perms = this.state.memberPermissions(g, this.state.botUser.id);
      const self = m.user.id === this.state.botUser.id;
      if (!(perms & Perm.ManageNicknames) && !self) throw Errors.missingPermissions('the bot lacks MANAGE_NICKNAMES');
      if (!self && g.ownerId === m.user.id) throw Errors.missingPermissions('the guild owner\'s nickname cannot be changed');
      m.nick = body.nick || null;
    }
    if (Array.isArray(body.roles)) {
      m.roles = m.roles.filter((id) => !removed.includes(id)).concat(added);
      for (const id of added) {
        this.fake.roleChanges.push({ guildId: g.id, userId: m.user.id, roleId: id, action: 'add', via: 'PATCH', ...(r.auditLogReason ? { reason: r.auditLogReason } : {}) });
      }
      for (const id of removed) {
        this.fake.roleChanges.push({ guildId: g.id, userId: m.user.id, roleId: id, action: 'remove', via: 'PATCH', ...(r.auditLogReason ? { reason: r.auditLogReason } : {}) });
      }
    }
    this.fake.memberUpdated(g, m);
    return json(apiMember(g, m));
  }

  // ------------------------------------------------------------------ channels & messages

  private createDm(r: RestRequest): RestResponse {
    const id = r.body?.recipient_id;
    if (typeof id !== 'string') {
      const e = new FormErrors();
      e.add(['recipient_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
      throw e.toHttpError();
    }
    const user = this.state.user(id);
    if (!user) throw Errors.unknownUser();
    return json(this.state.dmChannelFor(id));
  }

  private channelObject(id: string): any {
    const c = this.state.channel(id);
    if (!c) throw Errors.unknownChannel();
    if (c.dm) return c.dm;
    return apiChannel(c.guild!, c.channel!);
  }

  /** Builds the message object Discord answers with. */
  message(channelId: string, body: any, extra: Record<string, any> = {}): any {
    const embeds = (Array.isArray(body.embeds) ? body.embeds : []).map((em: any) => ({ type: 'rich', ...em, content_scan_version: 0 }));
    return {
      id: snowflake(),
      type: 0,
      content: typeof body.content === 'string' ? body.content : '',
      channel_id: channelId,
      author: apiUser(this.state.botUser),
      attachments: Array.isArray(body.attachments) ? body.attachments.filter((a: any) => a && typeof a.url === 'string') : [],
      embeds,
      mentions: [],
      mention_roles: [],
      pinned: false,
      mention_everyone: false,
      tts: Boolean(body.tts),
      timestamp: isoNow(),
      edited_timestamp: null,
      flags: typeof body.flags === 'number' ? body.flags : 0,
      components: Array.isArray(body.components) ? body.components : [],
      ...extra,
    };
  }

  private validateMessage(body: any, ephemeralAllowed: boolean, path: Array<string | number> = []): void {
    const e = new FormErrors();
    const visible = checkMessageBody(e, path, body, ephemeralAllowed);
    e.throwIfAny();
    if (!visible) throw Errors.emptyMessage();
  }

  private createMessage(r: RestRequest, p: Record<string, string>): RestResponse | Promise<RestResponse> {
    const c = this.state.channel(p.channel);
    if (!c) throw Errors.unknownChannel();
    const body = r.body ?? {};
    const nonce = this.checkNonce(body);
    // enforce_nonce: the same nonce from the same author in this channel, within the window, answers the first message.
    const nonceKey = nonce !== undefined && body.enforce_nonce === true ? `${p.channel}:${this.state.botUser.id}:${nonce}` : undefined;
    const earlier = nonceKey ? this.state.nonces.get(nonceKey) : undefined;
    if (earlier && Date.now() - earlier.at <= this.fake.nonceWindowMs) return json(earlier.message);
    const extra = nonce !== undefined ? { nonce } : {};
    let msg: any;
    if (c.dm) {
      const userId: string = c.dm.recipients[0].id;
      if (this.state.dmClosed(userId)) throw Errors.cannotDm();
      this.validateMessage(body, false);
      msg = this.message(c.dm.id, body, extra);
      this.state.storeMessage(c.dm.id, msg);
      c.dm.last_message_id = msg.id;
      this.fake.dms.push({ userId, channelId: c.dm.id, content: msg.content, embeds: msg.embeds, components: msg.components, message: msg });
      this.fake.gatewayDispatch('MESSAGE_CREATE', { ...msg, mentions: [] }, 1 << 12);
    } else {
      const g = c.guild!;
      const perms = this.state.memberPermissions(g, this.state.botUser.id);
      if (!(perms & Perm.ViewChannel)) throw apiError(403, 50001, 'Missing Access', false);
      if (!(perms & Perm.SendMessages)) throw Errors.missingPermissions(`the bot cannot send messages in #${c.channel!.name}`);
      this.validateMessage(body, false);
      msg = this.message(c.channel!.id, body, extra);
      this.state.storeMessage(c.channel!.id, msg);
      this.fake.channelMessages.push({ channelId: c.channel!.id, guildId: g.id, content: msg.content, embeds: msg.embeds, components: msg.components, message: msg });
      const botMember = g.members.get(this.state.botUser.id);
      this.fake.gatewayDispatch('MESSAGE_CREATE', { ...msg, guild_id: g.id, member: botMember ? apiMember(g, botMember, false) : undefined }, 1 << 9);
    }
    if (nonceKey) this.state.nonces.set(nonceKey, { message: msg, at: Date.now() });
    // Injected: Discord stored the message, the answer never comes.
    if (this.fake.takeHold(r.path)) return new Promise<RestResponse>(() => undefined);
    return json(msg);
  }

  /** Discord's nonce: an integer, or a string of at most 25 characters. */
  private checkNonce(body: any): string | number | undefined {
    const { nonce } = body;
    if (nonce === undefined || nonce === null) return undefined;
    const e = new FormErrors();
    if (typeof nonce === 'string') {
      if (nonce.length > 25) e.add(['nonce'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    } else if (!(typeof nonce === 'number' && Number.isInteger(nonce))) {
      e.add(['nonce'], 'BASE_TYPE_INVALID', 'Must be a string or an integer.');
    }
    if (body.enforce_nonce !== undefined && typeof body.enforce_nonce !== 'boolean') e.add(['enforce_nonce'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
    e.throwIfAny();
    return nonce;
  }

  private listMessages(r: RestRequest, p: Record<string, string>): RestResponse {
    const c = this.state.channel(p.channel);
    if (!c) throw Errors.unknownChannel();
    const limit = Math.min(Math.max(Number(r.query.get('limit') ?? '50') || 50, 1), 100);
    const list = (this.state.messages.get(p.channel) ?? []).filter((m) => !(m.flags & FLAG_EPHEMERAL));
    return json([...list].reverse().slice(0, limit));
  }

  private channelMessage(p: Record<string, string>): any {
    const c = this.state.channel(p.channel);
    if (!c) throw Errors.unknownChannel();
    const m = (this.state.messages.get(p.channel) ?? []).find((x) => x.id === p.message && !(x.flags & FLAG_EPHEMERAL));
    if (!m) throw Errors.unknownMessage(false);
    return m;
  }

  private editChannelMessage(r: RestRequest, p: Record<string, string>): RestResponse {
    const m = this.channelMessage(p);
    if (m.author.id !== this.state.botUser.id) throw apiError(403, 50005, 'Cannot edit a message authored by another user', true);
    const merged = { ...m, ...this.pickMessageFields(r.body ?? {}) };
    this.validateMessage(merged, false);
    Object.assign(m, this.message(m.channel_id, merged, { id: m.id, timestamp: m.timestamp, edited_timestamp: isoNow() }));
    return json(m);
  }

  private deleteChannelMessage(p: Record<string, string>): RestResponse {
    this.channelMessage(p);
    const list = this.state.messages.get(p.channel) ?? [];
    this.state.messages.set(p.channel, list.filter((x) => x.id !== p.message));
    return noContent();
  }

  private pickMessageFields(body: any): any {
    const out: any = {};
    for (const k of ['content', 'embeds', 'components', 'flags', 'attachments', 'allowed_mentions', 'poll']) {
      if (body[k] !== undefined) out[k] = body[k] === null ? (k === 'content' ? '' : k === 'flags' ? 0 : []) : body[k];
    }
    if (Array.isArray(out.embeds)) out.embeds = out.embeds.map((em: any) => ({ type: 'rich', ...em, content_scan_version: 0 }));
    return out;
  }

  // ------------------------------------------------------------------ interactions

  private callback(r: RestRequest, p: Record<string, string>): RestResponse {
    const it = this.fake.interactionById(p.id);
    const body = r.body ?? {};
    const type = body.type;
    const withResponse = r.query.get('with_response') === 'true';
    const rec = { type, data: body.data, status: 0, withResponse, at: Date.now() };
    const fail = (err: HttpError): never => {
      rec.status = err.status;
      it?.callbacks.push(rec);
      throw err;
    };
    if (!it || it.token !== p.token) throw Errors.unknownInteraction('no interaction with this id and token');
    if (it.acked) fail(Errors.alreadyAcknowledged(`${it.label}: second acknowledgement (type ${String(type)}) after type ${it.acked.type}`));
    if (it.expired || Date.now() - it.createdAt > this.fake.ackTimeoutMs) {
      fail(Errors.unknownInteraction(`${it.label}: acknowledged after ${Date.now() - it.createdAt} ms (limit ${this.fake.ackTimeoutMs} ms)`));
    }
    // 6/7 edit the message a component is on: a modal submit only has one when the modal came from a component.
    const allowed = (ALLOWED_CALLBACKS[it.type] ?? []).filter((t) => !((t === 6 || t === 7) && it.type === 5 && !it.componentMessage));
    if (typeof type !== 'number' || !allowed.includes(type)) {
      const e = new FormErrors();
      e.add(['type'], 'BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`);
      fail(e.toHttpError());
    }
    const e = new FormErrors();
    if (type === 4 || type === 7) {
      const data = body.data ?? {};
      const visible = checkMessageBody(e, ['data'], data, type === 4);
      if (!e.empty) fail(e.toHttpError());
      if (type === 4 && !visible) fail(Errors.emptyMessage());
    } else if (type === 5) {
      const flags = body.data?.flags ?? 0;
      if (typeof flags !== 'number' || flags & ~(FLAG_EPHEMERAL | (1 << 2) | (1 << 12) | (1 << 15))) e.add(['data', 'flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags');
    } else if (type === 8) {
      checkChoices(e, ['data'], body.data);
    } else if (type === 9) {
      checkModal(e, ['data'], body.data);
    }
    if (!e.empty) fail(e.toHttpError());

    rec.status = withResponse ? 200 : 204;
    it.callbacks.push(rec);
    it.markAcked(rec);
    const extra = this.interactionMessageExtra(it);
    if (type === 4) {
      it.original = this.message(it.payload.channel.id, body.data, extra);
      this.state.storeMessage(it.original.channel_id, it.original);
    } else if (type === 5) {
      it.loading = true;
      it.original = this.message(it.payload.channel.id, { content: '', flags: FLAG_LOADING | ((body.data?.flags ?? 0) & FLAG_EPHEMERAL) }, extra);
      this.state.storeMessage(it.original.channel_id, it.original);
    } else if (type === 6) {
      it.original = it.componentMessage;
    } else if (type === 7) {
      if (it.componentMessage) {
        Object.assign(it.componentMessage, this.pickMessageFields(body.data ?? {}), { edited_timestamp: isoNow() });
        it.original = it.componentMessage;
      }
    } else if (type === 8) {
      it.answeredChoices = body.data.choices;
    } else if (type === 9) {
      it.shownModal = body.data;
      this.fake.modalShown(it, body.data);
    }
    if (!withResponse) return noContent();
    const resource: any = { type };
    if ((type === 4 || type === 5 || type === 7) && it.original) resource.message = it.original;
    return json({
      interaction: {
        id: it.id,
        type: it.type,
        activity_instance_id: null,
        response_message_id: it.original?.id ?? null,
        response_message_loading: type === 5,
        response_message_ephemeral: Boolean(it.original && it.original.flags & FLAG_EPHEMERAL),
      },
      resource,
    });
  }

  private interactionMessageExtra(it: FakeInteraction): Record<string, any> {
    const d = it.payload;
    const user = d.member?.user ?? d.user;
    return {
      type: it.type === 2 ? 20 : 0,
      application_id: this.fake.applicationId,
      webhook_id: this.fake.applicationId,
      interaction_metadata: {
        id: it.id,
        type: it.type,
        user,
        authorizing_integration_owners: d.authorizing_integration_owners,
        ...(it.type === 2 ? { name: d.data.name, command_type: d.data.type ?? 1 } : {}),
      },
      ...(it.type === 2 ? { interaction: { id: it.id, type: it.type, name: d.data.name, user } } : {}),
    };
  }

  /** Finds the interaction behind a webhook token and applies the webhook rules. */
  private webhookInteraction(p: Record<string, string>): FakeInteraction {
    if (p.app !== this.fake.applicationId) throw Errors.unknownWebhook(`webhook ${p.app} is not the application`);
    const it = this.fake.interactionByToken(p.token);
    if (!it) throw Errors.unknownWebhook('no interaction has this token');
    if (Date.now() - it.createdAt > this.fake.tokenLifetimeMs) {
      throw Errors.invalidWebhookToken(`${it.label}: interaction token used ${Math.round((Date.now() - it.createdAt) / 1000)} s after the interaction (lifetime ${this.fake.tokenLifetimeMs / 1000} s)`);
    }
    if (!it.acked) throw Errors.unknownWebhook(`${it.label}: webhook used before the interaction was acknowledged`);
    if (it.acked.type === 8) throw Errors.unknownWebhook(`${it.label}: autocomplete interactions have no webhook`);
    return it;
  }

  private followUp(r: RestRequest, p: Record<string, string>): RestResponse {
    const it = this.webhookInteraction(p);
    const body = r.body ?? {};
    this.validateMessage(body, true);
    let msg: any;
    if (it.loading && it.original) {
      // The first follow-up after a deferred reply replaces the "thinking…" message and keeps the defer's ephemerality.
      const ephemeral = it.original.flags & FLAG_EPHEMERAL;
      Object.assign(it.original, this.pickMessageFields(body), { flags: ((body.flags ?? 0) & ~FLAG_EPHEMERAL) | ephemeral });
      it.loading = false;
      msg = it.original;
    } else {
      msg = this.message(it.payload.channel.id, body, { ...this.interactionMessageExtra(it), type: 0 });
      this.state.storeMessage(msg.channel_id, msg);
    }
    it.followUps.push(msg);
    if (r.query.get('wait') === 'true') return json(msg);
    return noContent();
  }

  private webhookMessage(p: Record<string, string>, method: 'GET' | 'PATCH' | 'DELETE', r?: RestRequest): RestResponse {
    const it = this.webhookInteraction(p);
    let target: any;
    if (p.message === '@original') {
      target = it.deleted ? undefined : it.original;
      if (!target) throw Errors.unknownMessage(true);
    } else {
      target = it.followUps.find((m) => m.id === p.message) ?? (it.original?.id === p.message ? it.original : undefined);
      if (!target) throw Errors.unknownMessage(true);
    }
    if (method === 'GET') return json(target);
    if (method === 'DELETE') {
      if (target === it.original) {
        it.deleted = true;
        it.original = undefined;
      }
      const list = this.state.messages.get(target.channel_id) ?? [];
      this.state.messages.set(target.channel_id, list.filter((x) => x.id !== target.id));
      return noContent();
    }
    const body = r?.body ?? {};
    const fields = this.pickMessageFields(body);
    // Ephemerality cannot change on edit: keep the message's EPHEMERAL bit whatever the body says.
    if (fields.flags !== undefined) fields.flags = (fields.flags & ~FLAG_EPHEMERAL) | (target.flags & FLAG_EPHEMERAL);
    const merged = { ...target, ...fields };
    if (it.loading && target === it.original) merged.flags = (merged.flags ?? 0) & ~FLAG_LOADING;
    const e = new FormErrors();
    const visible = checkMessageBody(e, [], { ...merged, flags: merged.flags & ~FLAG_LOADING }, true);
    e.throwIfAny();
    if (!visible) throw Errors.emptyMessage();
    Object.assign(target, fields, { edited_timestamp: isoNow() });
    if (it.loading && target === it.original) {
      target.flags &= ~FLAG_LOADING;
      it.loading = false;
    }
    if (p.message === '@original' || target === it.original) it.editBodies.push(body);
    return json(target);
  }
}
