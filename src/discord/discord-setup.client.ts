import { DiscordAPIError, HTTPError, REST } from '@discordjs/rest';
import {
  ApplicationFlags,
  ChannelType,
  Routes,
  type APIApplication,
  type APIChannel,
  type APIGuild,
  type APIGuildMember,
  type APIRole,
  type APIUser,
  type RESTAPIPartialCurrentUserGuild,
} from 'discord-api-types/v10';
import {
  DiscordSetupError,
  type DiscordBotIdentity,
  type DiscordGuildDetails,
  type DiscordGuildSummary,
  type DiscordRoleInfo,
  type DiscordSetupPort,
} from '../services/discord-setup-port';
import { inviteLink } from './invite-link';

export interface DiscordSetupClientOptions {
  token: string;
  /** e.g. https://discord.com/api (requests go to `${apiUrl}/v10/...`). */
  apiUrl: string;
  timeoutMs?: number;
}

/** Discord's page size limit for GET /users/@me/guilds. */
const GUILDS_PAGE = 200;

/**
 * The setup wizard's reads over Discord's REST API with the bot token (@discordjs/rest, as the rest
 * of the bot: it queues per rate-limit bucket and retries 429s and 5xx itself).
 */
export class DiscordSetupClient implements DiscordSetupPort {
  private readonly rest: REST;
  /** The bot's user id, read once (its member in a server tells its roles). */
  private botUserId: string | undefined;

  constructor(private readonly options: DiscordSetupClientOptions) {
    // A setup check should answer quickly: a wrong address fails after one try, not after minutes.
    this.rest = new REST({ api: options.apiUrl, version: '10', retries: 1, timeout: options.timeoutMs ?? 15_000 }).setToken(options.token);
  }

  async identify(): Promise<DiscordBotIdentity> {
    const user = (await this.call('GET /users/@me', () => this.rest.get(Routes.user()))) as APIUser;
    if (!user.bot) throw new DiscordSetupError('this token belongs to a user account, not a bot: copy the token under Bot in the developer portal', 'unauthorized');
    const application = (await this.call('GET /oauth2/applications/@me', () => this.rest.get(Routes.oauth2CurrentApplication()))) as APIApplication;
    const intent = ApplicationFlags.GatewayGuildMembers | ApplicationFlags.GatewayGuildMembersLimited;
    return { botUserId: user.id, botName: user.username, applicationId: application.id, serverMembersIntent: ((application.flags ?? 0) & intent) !== 0 };
  }

  async guilds(): Promise<DiscordGuildSummary[]> {
    const out: DiscordGuildSummary[] = [];
    let after = '0';
    for (;;) {
      const page = (await this.call('GET /users/@me/guilds', () =>
        this.rest.get(Routes.userGuilds(), { query: new URLSearchParams({ limit: String(GUILDS_PAGE), after }) }),
      )) as RESTAPIPartialCurrentUserGuild[];
      for (const g of page) out.push({ id: g.id, name: g.name });
      if (page.length < GUILDS_PAGE) return out;
      after = page[page.length - 1]!.id;
    }
  }

  async guildDetails(guildId: string): Promise<DiscordGuildDetails> {
    const guild = (await this.call('GET /guilds/{guild}', () => this.rest.get(Routes.guild(guildId)), guildId)) as APIGuild;
    const [roles, channels, me] = (await Promise.all([
      this.call('GET /guilds/{guild}/roles', () => this.rest.get(Routes.guildRoles(guildId)), guildId),
      this.call('GET /guilds/{guild}/channels', () => this.rest.get(Routes.guildChannels(guildId)), guildId),
      this.identifyUserId().then((botId) => this.call('GET /guilds/{guild}/members/{bot}', () => this.rest.get(Routes.guildMember(guildId, botId)), guildId)),
    ])) as [APIRole[], APIChannel[], APIGuildMember];
    const roleInfos: DiscordRoleInfo[] = roles
      .map((r) => ({ id: r.id, name: r.name, position: r.position, managed: r.managed }))
      .sort((a, b) => b.position - a.position);
    const mine = roleInfos.filter((r) => me.roles.includes(r.id));
    return {
      id: guild.id,
      name: guild.name,
      roles: roleInfos,
      textChannels: channels
        .filter((c) => c.type === ChannelType.GuildText || c.type === ChannelType.GuildAnnouncement)
        .map((c) => ({ id: c.id, name: c.name ?? c.id })),
      botTopRole: mine[0] ?? null,
    };
  }

  inviteLink(applicationId: string): string {
    return inviteLink(applicationId);
  }

  private async identifyUserId(): Promise<string> {
    if (!this.botUserId) this.botUserId = ((await this.call('GET /users/@me', () => this.rest.get(Routes.user()))) as APIUser).id;
    return this.botUserId;
  }

  /** Every failure as a DiscordSetupError an owner understands; nothing in it carries the token. */
  private async call<T>(what: string, request: () => Promise<T>, guildId?: string): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof DiscordAPIError) {
        if (error.status === 401) {
          throw new DiscordSetupError('Discord rejected the bot token (401): copy it again from the developer portal (your application > Bot > Reset Token)', 'unauthorized');
        }
        if (guildId && (error.status === 403 || error.status === 404)) {
          throw new DiscordSetupError(`the bot is not in the Discord server ${guildId} (${error.status} to ${what}): add it with the invite link`, 'not-in-guild');
        }
        throw new DiscordSetupError(`Discord answered ${error.status} (code ${String(error.code)}) to ${what}: ${error.message}`, 'other');
      }
      if (error instanceof HTTPError) throw new DiscordSetupError(`Discord answered ${error.status} to ${what}: try again in a minute`, 'other');
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name ?? 'network error';
      throw new DiscordSetupError(`Cannot reach Discord (${this.options.apiUrl}) for ${what}: ${cause}`, 'unreachable');
    }
  }
}
