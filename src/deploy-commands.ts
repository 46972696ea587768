import { DiscordAPIError, REST, Routes, type RESTGetCurrentApplicationResult } from 'discord.js';
import dotenv from 'dotenv';
import { COMMANDS } from '../commands';
import { loadConfig, requireDiscord, ConfigError } from './config/config';
import { describeFailure } from './cli';
import { DiscordStartupError, TOKEN_REJECTED } from './discord/bot';

/**
 * npm run deploy-commands [-- --global]: registers the slash commands without starting the bot.
 * Guild commands (the default) appear at once; global ones can take up to an hour.
 */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const config = loadConfig();
  const global = process.argv.includes('--global');
  if (!config.DISCORD_TOKEN) throw new ConfigError('DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in .env');
  const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
  const application = (await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
  const body = COMMANDS.map((c) => c.data);
  if (global) {
    await rest.put(Routes.applicationCommands(application.id), { body });
    process.stdout.write(`registered ${body.length} global commands (they can take up to an hour to appear)\n`);
  } else {
    const { guildId } = requireDiscord(config);
    await rest.put(Routes.applicationGuildCommands(application.id, guildId), { body });
    process.stdout.write(`registered ${body.length} commands on server ${guildId}\n`);
  }
}

/** Discord's refusals in one line (describeFailure expects a string `code`; a DiscordAPIError's is a number). */
function discordFailure(error: unknown): unknown {
  if (!(error instanceof DiscordAPIError)) return error;
  if (error.status === 401) return new DiscordStartupError(TOKEN_REJECTED);
  return new DiscordStartupError(`Discord answered ${error.status} to ${error.method.toUpperCase()} ${new URL(error.url).pathname}: ${error.message}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${describeFailure(discordFailure(error)).message}\n`);
  process.exit(1);
});
