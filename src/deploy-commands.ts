import { DiscordAPIError, REST, Routes, type RESTGetAPIApplicationCommandsResult, type RESTGetCurrentApplicationResult } from 'discord.js';
import dotenv from 'dotenv';
import { COMMANDS } from '../commands';
import { loadConfig, requireDiscord, ConfigError } from './config/config';
import { describeFailure } from './cli';
import { DiscordStartupError, TOKEN_REJECTED } from './discord/bot';

/** Why there is no `--global` any more: said to whoever still passes it. */
const GLOBAL_REMOVED =
  '--global is no longer supported: the bot serves only the server DISCORD_GUILD_ID and refuses every other, so commands registered for every server could only be refused there. Run npm run deploy-commands without it.';

/**
 * npm run deploy-commands: registers the slash commands on DISCORD_GUILD_ID without starting the bot
 * (the bot does the same at every start). Global copies of them, left by an older version's --global,
 * are deleted: they showed the commands in every server, and twice on this one. Other global commands
 * of the application are left alone.
 */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const args = process.argv.slice(2);
  if (args.includes('--global')) throw new ConfigError(GLOBAL_REMOVED);
  if (args.length > 0) throw new ConfigError(`deploy-commands takes no arguments (got: ${args.join(' ')})`);
  const config = loadConfig();
  if (!config.DISCORD_TOKEN) throw new ConfigError('DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in .env');
  const { guildId } = requireDiscord(config);
  const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
  const application = (await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
  const body = COMMANDS.map((c) => c.data);
  await rest.put(Routes.applicationGuildCommands(application.id, guildId), { body });
  process.stdout.write(`registered ${body.length} commands on server ${guildId}\n`);

  const ours = new Set(body.map((c) => c.name));
  const global = (await rest.get(Routes.applicationCommands(application.id))) as RESTGetAPIApplicationCommandsResult;
  const leftovers = global.filter((c) => ours.has(c.name));
  for (const command of leftovers) await rest.delete(Routes.applicationCommand(application.id, command.id));
  if (leftovers.length > 0) process.stdout.write(`deleted ${leftovers.length} global commands an older version registered with --global\n`);
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
