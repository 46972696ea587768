import { DomainError } from './errors';

/** A button under a message that opens a web page (a Discord link button): no interaction comes back. */
export interface LinkButton {
  label: string;
  url: string;
}

/** A member of the guild as the lifecycle sees it: who, and which roles. */
export interface GuildMemberInfo {
  userId: string;
  roles: string[];
}

/**
 * What the services need from Discord, and nothing more: the CLI implements it over REST
 * (src/discord/rest-port.ts), the bot may reuse that or its own client. Failures are thrown as
 * GuildPortError so the services decide what each one means without knowing Discord's codes.
 */
export interface GuildPort {
  /** Every member of the guild (all pages). */
  listMembers(): Promise<GuildMemberInfo[]>;
  /** One member, or null when they are not in the guild. */
  getMember(userId: string): Promise<GuildMemberInfo | null>;
  addRole(userId: string, roleId: string, reason: string): Promise<void>;
  removeRole(userId: string, roleId: string, reason: string): Promise<void>;
  /**
   * With a nonce, a second send with the same nonce within a few minutes answers the message the
   * first one created instead of posting another: a retry after a timeout cannot double-post.
   */
  sendDm(userId: string, content: string, options?: { nonce?: string; buttons?: LinkButton[] }): Promise<void>;
  postToChannel(channelId: string, content: string): Promise<void>;
}

export type GuildFailureKind =
  /** 50007: the user does not accept DMs from server members. */
  | 'dms-closed'
  /** 50013 / 50001: no Manage Roles, or the role sits above the bot's highest role. */
  | 'missing-permissions'
  /** 10007: the user is not (or no longer) a member of the guild. */
  | 'unknown-member'
  /** 10011: the role ID in the configuration does not exist. */
  | 'unknown-role'
  /** 10013: no such Discord user. */
  | 'unknown-user'
  /** 10003: the channel ID in the configuration does not exist. */
  | 'unknown-channel'
  /** 401: the bot token is wrong. */
  | 'unauthorized'
  /** 5xx after retries, timeouts, dropped connections: worth another try later. */
  | 'unavailable'
  /** Any other refusal. */
  | 'rejected';

/** A Discord failure, typed; the message is for the admin and never carries the token. */
export class GuildPortError extends DomainError {
  constructor(
    readonly kind: GuildFailureKind,
    message: string,
    /** Discord's JSON error code (not `code`: Node's errors use that name for strings, and the CLI reads it). */
    readonly discordCode?: number,
    readonly status?: number,
  ) {
    super(message);
  }

  /** Failures that the same request will meet again: no point in retrying them next run. */
  get permanent(): boolean {
    return this.kind !== 'unavailable';
  }
}
