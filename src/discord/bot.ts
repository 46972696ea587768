import { once } from 'node:events';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  type Guild,
} from 'discord.js';
import type { App } from '../app';
import { ConfigError, type Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { MemberDirectory } from '../services/user-admin.service';
import { startHealthServer, type HealthServer } from '../health/health-server';
import { gatewayState } from './gateway-state';
import { MemoryStore } from './memory-store';
import { createRouter } from './router';
import type { BotContext, Draft, LifecycleHooks, ListView, SlashCommand } from './types';

import { BOT_PERMISSIONS, inviteLink } from './invite-link';

export { BOT_PERMISSIONS, inviteLink };

/** The bot cannot start as configured (token, server): a ConfigError, so it is told in one line. */
export class DiscordStartupError extends ConfigError {}

/** What an admin reads when Discord refuses the token (401), at start or when deploying the commands. */
export const TOKEN_REJECTED = 'Discord rejected DISCORD_TOKEN: copy the bot token again from the developer portal (Bot > Reset Token)';

export interface RunningBot {
  client: Client<true>;
  /** Problems found at start, one line each (already logged). */
  problems: string[];
  /** The /healthz server, when HEALTH_PORT is set (closed by stop()). */
  health: HealthServer | null;
  /** From now on every interaction is answered "restarting" and not handled: the bot is stopping. */
  drain(): void;
  stop(): Promise<void>;
}

/** What a user reads when they use a command while the bot is stopping. */
export const STOPPING_REPLY = 'The bot is restarting: try again in a minute.';

/**
 * Roles and plex.tv shares follow an admin's edit and a payments import at once. Roles only when
 * a subscriber role is configured; shares only for plans with access settings. A failure is
 * logged and left to the next lifecycle run, never turned into a failure of the edit that was saved.
 */
function lifecycleHooks(app: App, config: Config, logger: Logger): LifecycleHooks {
  const enabled = Boolean(config.DISCORD_SUBSCRIBER_ROLE_ID);
  const followPayments = (plexIds?: number[]) =>
    app.lifecycle.followPayments(plexIds).catch((error: unknown) => {
      logger.warn({ plexIds, err: { message: (error as Error).message } }, 'plex.tv access after a payment change failed (retried by the next lifecycle run)');
    });
  return {
    async afterEdit(plexId) {
      if (enabled) {
        await app.lifecycle.reconcileUser(plexId).catch((error: unknown) => logger.warn({ plexId, err: { message: (error as Error).message } }, 'role reconciliation after an edit failed'));
      }
      await followPayments([plexId]);
    },
    async afterPayments(matched) {
      if (matched === 0) return;
      if (enabled) {
        await app.lifecycle.syncRoles().catch((error: unknown) => logger.warn({ err: { message: (error as Error).message } }, 'role sync after a payments import failed'));
      }
      await followPayments();
    },
  };
}

/** Guild members by Discord ID, asked of Discord (members are not all cached). */
function memberDirectory(guild: Guild | null): MemberDirectory | undefined {
  if (!guild) return undefined;
  return {
    async findMember(discordId) {
      try {
        const member = await guild.members.fetch(discordId);
        return { id: member.id, username: member.user.username };
      } catch (error) {
        if (error instanceof DiscordAPIError && (error.code === 10007 || error.code === 10013)) return null;
        throw error;
      }
    },
  };
}

/**
 * Logs in, registers the guild commands (idempotent: a PUT of the whole list at every start),
 * checks what the bot can do on its server, and routes interactions from then on.
 */
export async function startBot(app: App, config: Config, logger: Logger, commands: readonly SlashCommand[], discord: { token: string; guildId: string }): Promise<RunningBot> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers],
    rest: { api: config.DISCORD_API_URL },
  });
  const ctx: BotContext = {
    app,
    logger,
    lifecycle: lifecycleHooks(app, config, logger),
    drafts: new MemoryStore<Draft>(),
    views: new MemoryStore<ListView>(),
    members: memberDirectory,
  };
  const route = createRouter(commands, ctx, { guildId: discord.guildId, adminRoleId: config.DISCORD_ADMIN_ROLE_ID });
  let draining = false;
  client.on(Events.InteractionCreate, (interaction) => {
    // The router refuses other servers and DMs itself, draining or not.
    if (!draining || interaction.guildId !== discord.guildId) return void route(interaction);
    // Stopping: no new work, but no interaction left unanswered either.
    if (interaction.isAutocomplete()) return void interaction.respond([]).catch(() => undefined);
    if (interaction.isRepliable()) void interaction.reply({ content: STOPPING_REPLY, flags: MessageFlags.Ephemeral }).catch(() => undefined);
  });
  client.on(Events.Error, (error) => logger.error({ err: { message: error.message } }, 'discord client error'));

  // Up before the login, so a health check during a slow start reads "gateway not connected" rather than nothing.
  let health: HealthServer | null = null;
  if (config.HEALTH_PORT) {
    try {
      health = await startHealthServer(config.HEALTH_PORT, { gateway: () => gatewayState(client), database: (ms) => app.systemStatus.databaseAnswers(ms) });
    } catch (error) {
      await client.destroy();
      throw error;
    }
  }
  const ready = once(client, Events.ClientReady);
  try {
    await client.login(discord.token);
  } catch (error) {
    await health?.close();
    await client.destroy();
    const code = (error as { code?: string }).code;
    if (code === 'TokenInvalid' || (error instanceof DiscordAPIError && error.status === 401)) {
      throw new DiscordStartupError(TOKEN_REJECTED);
    }
    throw new DiscordStartupError(`Cannot log in to Discord (${config.DISCORD_API_URL}): ${(error as Error).message}`);
  }
  await ready;
  const ready_ = client as Client<true>;
  let guild: Guild;
  let problems: string[];
  try {
    problems = await checkSetup(ready_, config, discord.guildId);
    for (const problem of problems) logger.warn(problem);
    const found = ready_.guilds.cache.get(discord.guildId);
    if (!found) {
      await client.destroy();
      throw new DiscordStartupError(problems[0] ?? `the bot is not in the Discord server ${discord.guildId}`);
    }
    guild = found;
    await ready_.application.commands.set(
      commands.map((c) => c.data),
      discord.guildId,
    );
  } catch (error) {
    await health?.close();
    throw error;
  }
  logger.info({ guild: guild.name, commands: commands.length }, 'bot ready');
  return {
    client: ready_,
    problems,
    health,
    drain: () => {
      draining = true;
    },
    stop: async () => {
      await health?.close();
      await client.destroy();
    },
  };
}

/** One clear line per thing that will not work: guild, Manage Roles, role positions. */
export async function checkSetup(client: Client<true>, config: Config, guildId: string): Promise<string[]> {
  const problems: string[] = [];
  const guild = client.guilds.cache.get(guildId);
  if (!guild) {
    problems.push(`The bot is not in the Discord server DISCORD_GUILD_ID=${guildId}: invite it with ${inviteLink(client.application.id)}`);
    return problems;
  }
  const me = guild.members.me ?? (await guild.members.fetchMe());
  if (!me.permissions.has(PermissionFlagsBits.ManageRoles)) {
    problems.push(`The bot lacks the Manage Roles permission on ${guild.name}: it cannot give or take the subscriber role (Server Settings > Roles).`);
  }
  for (const [variable, roleId] of [
    ['DISCORD_SUBSCRIBER_ROLE_ID', config.DISCORD_SUBSCRIBER_ROLE_ID],
    ['DISCORD_PERMANENT_ROLE_ID', config.DISCORD_PERMANENT_ROLE_ID],
  ] as const) {
    if (!roleId) continue;
    const role = guild.roles.cache.get(roleId);
    if (!role) problems.push(`${variable}=${roleId} is not a role of ${guild.name}.`);
    else if (role.position >= me.roles.highest.position) {
      problems.push(`The bot's highest role (${me.roles.highest.name}) must be above "${role.name}" (${variable}) to give it: drag it higher in Server Settings > Roles.`);
    }
  }
  return problems;
}
