/* eslint-disable @typescript-eslint/no-explicit-any */
/** The fake's world (guilds, roles, members, channels, messages, commands) and its API serializers. */
import type { FakeChannel, FakeDiscordOptions, FakeGuildSpec, FakeMember, FakeRole, FakeUser } from './types';
import { ALL_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, isoNow, Perm, snowflake } from './util';

export interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, FakeRole>;
  members: Map<string, FakeMember>;
  channels: Map<string, FakeChannel>;
  joinedAt: string;
}

export interface StoredCommand {
  id: string;
  application_id: string;
  guild_id?: string;
  version: string;
  body: any;
}

export class FakeState {
  readonly guilds = new Map<string, GuildState>();
  readonly users = new Map<string, FakeUser>();
  /** userId → DM channel object */
  readonly dmChannels = new Map<string, any>();
  /** channelId → messages (newest last) */
  readonly messages = new Map<string, any[]>();
  /** `${channelId}:${authorId}:${nonce}` → the message created with it and when (enforce_nonce). */
  readonly nonces = new Map<string, { message: any; at: number }>();
  /** 'global' or guildId → commands */
  readonly commands = new Map<string, StoredCommand[]>();
  readonly botUser: FakeUser;

  constructor(readonly opts: FakeDiscordOptions) {
    this.botUser = { id: opts.botUser.id, username: opts.botUser.username, global_name: null, bot: true };
    this.users.set(this.botUser.id, this.botUser);
    for (const spec of opts.guilds) this.addGuild(spec);
  }

  addGuild(spec: FakeGuildSpec): GuildState {
    const roles = new Map<string, FakeRole>();
    for (const r of spec.roles) roles.set(r.id, { ...r });
    if (!roles.has(spec.id)) {
      roles.set(spec.id, { id: spec.id, name: '@everyone', position: 0, permissions: DEFAULT_EVERYONE_PERMISSIONS });
    }
    const members = new Map<string, FakeMember>();
    for (const m of spec.members) {
      members.set(m.user.id, { ...m, user: { ...m.user }, roles: [...m.roles] });
      this.users.set(m.user.id, members.get(m.user.id)!.user);
    }
    if (!members.has(this.botUser.id)) {
      // Like a bot invited with permissions: a managed role named after it. Placed at the top so the bot can manage
      // every role unless the test puts the bot member (and its role) in the spec itself.
      const top = Math.max(0, ...[...roles.values()].map((r) => r.position));
      const roleId = snowflake();
      roles.set(roleId, {
        id: roleId,
        name: this.botUser.username,
        position: top + 1,
        permissions: (Perm.ManageRoles | Perm.ViewChannel | Perm.SendMessages | Perm.EmbedLinks).toString(),
        managed: true,
      });
      members.set(this.botUser.id, { user: this.botUser, roles: [roleId] });
    } else {
      members.get(this.botUser.id)!.user.bot = true;
    }
    const channels = new Map<string, FakeChannel>();
    for (const c of spec.channels ?? []) channels.set(c.id, { ...c });
    if (channels.size === 0) {
      const id = snowflake();
      channels.set(id, { id, name: 'general', type: 0 });
    }
    const g: GuildState = {
      id: spec.id,
      name: spec.name,
      ownerId: spec.ownerId,
      roles,
      members,
      channels,
      joinedAt: isoNow(),
    };
    this.guilds.set(spec.id, g);
    return g;
  }

  // ---------- lookups ----------

  channel(id: string): { guild?: GuildState; channel?: FakeChannel; dm?: any } | undefined {
    for (const g of this.guilds.values()) {
      const c = g.channels.get(id);
      if (c) return { guild: g, channel: c };
    }
    for (const dm of this.dmChannels.values()) if (dm.id === id) return { dm };
    return undefined;
  }

  firstTextChannel(g: GuildState): FakeChannel {
    const text = [...g.channels.values()].find((c) => (c.type ?? 0) === 0);
    if (!text) throw new Error(`fake discord: guild ${g.id} has no text channel`);
    return text;
  }

  /** The user in any guild (or the bot). */
  user(id: string): FakeUser | undefined {
    return this.users.get(id);
  }

  dmChannelFor(userId: string): any {
    let ch = this.dmChannels.get(userId);
    if (!ch) {
      const user = this.users.get(userId)!;
      ch = { id: snowflake(), type: 1, last_message_id: null, flags: 0, recipients: [apiUser(user)] };
      this.dmChannels.set(userId, ch);
    }
    return ch;
  }

  dmClosed(userId: string): boolean {
    const user = this.users.get(userId);
    if (!user || user.bot) return true;
    let shares = false;
    for (const g of this.guilds.values()) {
      const m = g.members.get(userId);
      if (m) {
        shares = true;
        if (m.dmsClosed) return true;
      }
    }
    return !shares;
  }

  highestPosition(g: GuildState, userId: string): number {
    const m = g.members.get(userId);
    if (!m) return -1;
    return Math.max(0, ...m.roles.map((r) => g.roles.get(r)?.position ?? 0));
  }

  /** Guild-level permissions of a member (no channel overwrites). */
  memberPermissions(g: GuildState, userId: string): bigint {
    if (g.ownerId === userId) return BigInt(ALL_PERMISSIONS);
    const m = g.members.get(userId);
    let p = BigInt(g.roles.get(g.id)?.permissions ?? '0');
    for (const r of m?.roles ?? []) p |= BigInt(g.roles.get(r)?.permissions ?? '0');
    if (p & Perm.Administrator) return BigInt(ALL_PERMISSIONS);
    return p;
  }

  storeMessage(channelId: string, message: any): void {
    const list = this.messages.get(channelId) ?? [];
    list.push(message);
    this.messages.set(channelId, list);
  }

  findMessage(id: string): any | undefined {
    for (const list of this.messages.values()) {
      const m = list.find((x) => x.id === id);
      if (m) return m;
    }
    return undefined;
  }
}

// ---------- serializers (shapes as the API sends them) ----------

export function apiUser(u: FakeUser): any {
  return {
    id: u.id,
    username: u.username,
    global_name: u.global_name ?? null,
    discriminator: '0',
    avatar: null,
    avatar_decoration_data: null,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    clan: null,
    primary_guild: null,
    collectibles: null,
    ...(u.bot ? { bot: true } : {}),
  };
}

export function apiRole(r: FakeRole): any {
  return {
    id: r.id,
    name: r.name,
    description: null,
    color: r.color ?? 0,
    colors: { primary_color: r.color ?? 0, secondary_color: null, tertiary_color: null },
    hoist: r.hoist ?? false,
    icon: null,
    unicode_emoji: null,
    position: r.position,
    permissions: r.permissions,
    managed: r.managed ?? false,
    mentionable: r.mentionable ?? false,
    flags: 0,
  };
}

/** The guild's roles; managed roles carry `tags` (`bot_id` for the bot's own role). */
export function apiRoles(g: GuildState, botId: string): any[] {
  const bot = g.members.get(botId);
  return [...g.roles.values()].map((r) => {
    const out = apiRole(r);
    if (r.managed) out.tags = bot?.roles.includes(r.id) ? { bot_id: botId } : { integration_id: '0' };
    return out;
  });
}

export function apiMember(g: GuildState, m: FakeMember, withUser = true): any {
  return {
    ...(withUser ? { user: apiUser(m.user) } : {}),
    roles: [...m.roles],
    nick: m.nick ?? null,
    avatar: null,
    banner: null,
    premium_since: null,
    joined_at: m.joined_at ?? g.joinedAt,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
    communication_disabled_until: null,
    unusual_dm_activity_until: null,
  };
}

export function apiChannel(g: GuildState, c: FakeChannel): any {
  const type = c.type ?? 0;
  return {
    id: c.id,
    type,
    guild_id: g.id,
    name: c.name,
    position: c.position ?? 0,
    parent_id: c.parent_id ?? null,
    permission_overwrites: [],
    flags: 0,
    ...(type === 0 || type === 5
      ? { topic: null, nsfw: false, last_message_id: null, rate_limit_per_user: 0 }
      : {}),
  };
}

export function apiGuild(g: GuildState, botId: string): any {
  return {
    id: g.id,
    name: g.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: g.ownerId,
    region: 'deprecated',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: apiRoles(g, botId),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };
}
