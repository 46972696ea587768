import { DiscordAPIError, HTTPError, RateLimitError, REST } from '@discordjs/rest';
import {
  ButtonStyle,
  ComponentType,
  Routes,
  type APIActionRowComponent,
  type APIButtonComponentWithURL,
  type APIChannel,
  type APIGuildMember,
  type APIUser,
} from 'discord-api-types/v10';
import { GuildPortError, type GuildMemberInfo, type GuildPort, type LinkButton } from '../services/guild-port';

export interface RestGuildPortOptions {
  guildId: string;
  /** e.g. https://discord.com/api (requests go to `${apiUrl}/v10/...`). */
  apiUrl?: string;
  token?: string;
  /** An existing REST client (the bot's), instead of apiUrl + token. */
  rest?: REST;
  /** How long one request may take before it is aborted (and retried by @discordjs/rest); its default is 15 s. */
  timeoutMs?: number;
}

/** Discord's page size limit for GET /guilds/{id}/members. */
const MEMBERS_PAGE = 1000;

/**
 * The GuildPort over Discord's REST API alone (no gateway), so the CLI can run the lifecycle.
 * @discordjs/rest queues requests per rate-limit bucket and retries 429s and 5xx by itself.
 */
export class RestGuildPort implements GuildPort {
  private readonly rest: REST;
  private readonly guildId: string;
  /** DM channel per user, so a second DM to the same user skips POST /users/@me/channels. */
  private readonly dmChannels = new Map<string, string>();

  constructor(options: RestGuildPortOptions) {
    this.guildId = options.guildId;
    if (options.rest) {
      this.rest = options.rest;
    } else {
      if (!options.token) throw new Error('RestGuildPort needs a token or a REST client');
      this.rest = new REST({ api: options.apiUrl ?? 'https://discord.com/api', version: '10', ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) }).setToken(
        options.token,
      );
    }
  }

  async listMembers(): Promise<GuildMemberInfo[]> {
    const members: GuildMemberInfo[] = [];
    let after = '0';
    for (;;) {
      const page = (await call(() =>
        this.rest.get(Routes.guildMembers(this.guildId), { query: new URLSearchParams({ limit: String(MEMBERS_PAGE), after }) }),
      )) as APIGuildMember[];
      for (const m of page) members.push({ userId: m.user.id, roles: m.roles });
      if (page.length < MEMBERS_PAGE) return members;
      after = page[page.length - 1]!.user.id;
    }
  }

  async getMember(userId: string): Promise<GuildMemberInfo | null> {
    try {
      const m = (await call(() => this.rest.get(Routes.guildMember(this.guildId, userId)))) as APIGuildMember;
      return { userId: m.user.id, roles: m.roles };
    } catch (error) {
      if (error instanceof GuildPortError && error.kind === 'unknown-member') return null;
      throw error;
    }
  }

  async addRole(userId: string, roleId: string, reason: string): Promise<void> {
    await call(() => this.rest.put(Routes.guildMemberRole(this.guildId, userId, roleId), { reason }));
  }

  async removeRole(userId: string, roleId: string, reason: string): Promise<void> {
    await call(() => this.rest.delete(Routes.guildMemberRole(this.guildId, userId, roleId), { reason }));
  }

  async sendDm(userId: string, content: string, options: { nonce?: string; buttons?: LinkButton[] } = {}): Promise<void> {
    let channelId = this.dmChannels.get(userId);
    if (!channelId) {
      const channel = (await call(() => this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } }))) as APIChannel;
      channelId = channel.id;
      this.dmChannels.set(userId, channelId);
    }
    // enforce_nonce: Discord answers the message an earlier request with this nonce created, not a second one.
    const dedup = options.nonce ? { nonce: options.nonce, enforce_nonce: true } : {};
    const dmChannel = channelId;
    const components = linkButtonRows(options.buttons ?? []);
    await call(() =>
      this.rest.post(Routes.channelMessages(dmChannel), { body: { content, allowed_mentions: { parse: [] }, ...dedup, ...(components.length > 0 ? { components } : {}) } }),
    );
  }

  async postToChannel(channelId: string, content: string): Promise<void> {
    // No pings: the lifecycle's messages name roles and users, they must not notify them.
    await call(() => this.rest.post(Routes.channelMessages(channelId), { body: { content, allowed_mentions: { parse: [] } } }));
  }
}

/**
 * The bot's own user (GET /users/@me) over REST: whether Discord answers and takes the token.
 * One attempt with a short timeout (a status check must not hang); failures as GuildPortError.
 */
export async function fetchBotIdentity(options: { apiUrl?: string; token: string; timeoutMs: number }): Promise<{ id: string; username: string }> {
  const rest = new REST({ api: options.apiUrl ?? 'https://discord.com/api', version: '10', timeout: options.timeoutMs, retries: 0 }).setToken(options.token);
  try {
    const me = (await call(() => rest.get(Routes.user()))) as APIUser;
    return { id: me.id, username: me.username };
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

/** Link buttons (style 5) in action rows: at most 5 per row and 5 rows, labels cut to Discord's 80 characters. */
export function linkButtonRows(buttons: LinkButton[]): APIActionRowComponent<APIButtonComponentWithURL>[] {
  const rows: APIActionRowComponent<APIButtonComponentWithURL>[] = [];
  for (let i = 0; i < Math.min(buttons.length, 25); i += 5) {
    rows.push({
      type: ComponentType.ActionRow,
      components: buttons.slice(i, i + 5).map((b) => ({
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: b.label.length <= 80 ? b.label : `${b.label.slice(0, 79)}…`,
        url: b.url,
      })),
    });
  }
  return rows;
}

async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toGuildPortError(error);
  }
}

/** Discord's error codes, as the lifecycle understands them. Messages name no token. */
export function toGuildPortError(error: unknown): GuildPortError {
  if (error instanceof GuildPortError) return error;
  if (error instanceof DiscordAPIError) {
    const code = Number(error.code);
    const status = error.status;
    switch (code) {
      case 50007:
        return new GuildPortError('dms-closed', 'DMs closed: the user does not accept DMs from this server (50007)', code, status);
      case 50013:
        return new GuildPortError('missing-permissions', `missing permissions (50013): ${error.message}`, code, status);
      case 50001:
        return new GuildPortError('missing-permissions', `missing access (50001): ${error.message}`, code, status);
      case 10007:
        return new GuildPortError('unknown-member', 'not a member of the Discord server (unknown member, 10007)', code, status);
      case 10011:
        return new GuildPortError('unknown-role', 'unknown role (10011)', code, status);
      case 10013:
        return new GuildPortError('unknown-user', 'unknown Discord user (10013)', code, status);
      case 10003:
        return new GuildPortError('unknown-channel', 'unknown channel (10003)', code, status);
    }
    if (status === 401) return new GuildPortError('unauthorized', 'Discord rejected the bot token (401): check DISCORD_TOKEN', code, status);
    if (status >= 500 || status === 429) return new GuildPortError('unavailable', `Discord answered ${status}: ${error.message}`, code, status);
    return new GuildPortError('rejected', `Discord refused (${status}, code ${code}): ${error.message}`, code, status);
  }
  if (error instanceof HTTPError) return new GuildPortError('unavailable', `Discord answered ${error.status} (${error.method} ${pathOf(error.url)})`, undefined, error.status);
  if (error instanceof RateLimitError) return new GuildPortError('unavailable', `Discord rate limit on ${error.route}`, undefined, 429);
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'AbortError') return new GuildPortError('unavailable', 'Discord did not answer in time');
  return new GuildPortError('unavailable', `cannot reach Discord: ${message.split('\n')[0]}`);
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
