import { DomainError } from './errors';

/** The bot account behind a token, and the application whose invite link adds it to a server. */
export interface DiscordBotIdentity {
  botUserId: string;
  botName: string;
  applicationId: string;
  /** The Server Members Intent is on (the bot reads members to manage roles; without it the gateway refuses the bot). */
  serverMembersIntent: boolean;
}

export interface DiscordGuildSummary {
  id: string;
  name: string;
}

export interface DiscordRoleInfo {
  id: string;
  name: string;
  /** Higher is higher in Server Settings > Roles; @everyone is 0. */
  position: number;
  /** A role Discord manages (a bot's or an integration's): nobody can give it. */
  managed: boolean;
}

export interface DiscordChannelInfo {
  id: string;
  name: string;
}

/** What the wizard offers for one server: roles (highest first), text channels, and the bot's own top role. */
export interface DiscordGuildDetails {
  id: string;
  name: string;
  roles: DiscordRoleInfo[];
  textChannels: DiscordChannelInfo[];
  botTopRole: DiscordRoleInfo | null;
}

/**
 * What the setup wizard reads from Discord with a bot token (REST only, no gateway): the service
 * decides, src/discord/discord-setup.client.ts talks HTTP.
 */
export interface DiscordSetupPort {
  identify(): Promise<DiscordBotIdentity>;
  /** The servers the bot is in. */
  guilds(): Promise<DiscordGuildSummary[]>;
  guildDetails(guildId: string): Promise<DiscordGuildDetails>;
  /** The link that adds the bot with exactly the permissions it needs. */
  inviteLink(applicationId: string): string;
}

/** Discord refused or failed a setup read; the message says what to do and never carries the token. */
export class DiscordSetupError extends DomainError {
  constructor(
    message: string,
    readonly kind: 'unauthorized' | 'not-in-guild' | 'unreachable' | 'other',
  ) {
    super(message);
  }
}
